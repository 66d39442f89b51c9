import { Module } from '@nestjs/common';
import { CreditLedgerController } from './credit-ledger.controller';
import { CreditsController } from './credits.controller';
import { EntitlementsController } from './entitlements.controller';

/** Credits for domain keys (`/api/portfolio/*`): consume (one or a batch), balance, holds, history, entitlements. */
@Module({ controllers: [CreditsController, CreditLedgerController, EntitlementsController] })
export class PortfolioModule {}
