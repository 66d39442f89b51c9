import { Module } from '@nestjs/common';
import { portalConfigProvider } from './portal.config';
import { PortalController } from './portal.controller';
import { PortalSessionsController } from './portal-sessions.controller';

/** The refund portal: signed links for builders (`/api/portal/sessions`) and the customer's pages (`/portal/*`). */
@Module({ controllers: [PortalSessionsController, PortalController], providers: [portalConfigProvider] })
export class PortalModule {}
