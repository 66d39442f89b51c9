import { Module } from '@nestjs/common';
import { ReadModelsModule } from '../read-models/read-models.module';
import { ReadModelsController } from './read-models.controller';

/** The read models' request/reply API. */
@Module({
  imports: [ReadModelsModule],
  controllers: [ReadModelsController],
})
export class AnalyticsApiModule {}
