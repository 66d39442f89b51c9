import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { DashboardSessions } from './dashboard-sessions';

/** The builders' dashboard (`/dashboard`) and its server-side sessions (exported for the Connect panel). */
@Module({ controllers: [DashboardController], providers: [DashboardSessions], exports: [DashboardSessions] })
export class DashboardModule {}
