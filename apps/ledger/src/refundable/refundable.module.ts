import { Module } from '@nestjs/common';
import { CreditAccountsModule } from '../credit-accounts/credit-accounts.module';
import { RefundableHandler } from './refundable.handler';
import { RefundableReader } from './refundable.reader';

/** What a customer may have refunded, read from the credit accounts (NATS request/reply). */
@Module({
  imports: [CreditAccountsModule],
  controllers: [RefundableHandler],
  providers: [RefundableReader],
})
export class RefundableModule {}
