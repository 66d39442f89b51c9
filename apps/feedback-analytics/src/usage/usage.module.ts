import { Module } from '@nestjs/common';
import { UsageController } from './usage.controller';
import { UsageReader } from './usage.reader';

/** Credit usage and purchases per domain and UTC day, served over NATS request/reply (`AnalyticsSubjects.usage`). */
@Module({
  controllers: [UsageController],
  providers: [UsageReader],
})
export class UsageModule {}
