import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsReadModelsController } from './read-models.controller';

/** Analytics over HTTP (`/api/analytics/*`): usage and the read models, for domain and builder keys. */
@Module({ controllers: [AnalyticsController, AnalyticsReadModelsController] })
export class AnalyticsModule {}
