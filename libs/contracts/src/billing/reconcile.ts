import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { ReconcileReport } from './subscription-model';

/** `Reconcile`: compare Stripe with billing's inbox and the ledger for a window ending now. */
export class ReconcileCommand {
  /** How far back: `3d`, `12h`, `90m` (up to 90 days), or an ISO-8601 time. */
  @IsString() @Length(1, 40) @Matches(/^(\d{1,4}[dhm]|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)$/, {
    message: 'since must be a duration such as 3d, 12h, 90m, or an ISO-8601 time',
  })
  since!: string;

  /** When false, missing events are only listed, not processed. Default true. */
  @IsOptional() @IsBoolean()
  process?: boolean;
}

/** `billing.commands.reconcile.v1`: request/reply. */
export const ReconcileMessage = defineMessage<ReconcileCommand, ReconcileReport>()({ name: 'billing.commands.reconcile.v1', kind: 'command', validate: strictly(ReconcileCommand) });
