import { IntegerAtLeast, IsoTime, Nested } from '../message';
import { ReservationReference } from './event-fields';
import { ledgerEventMessage, LotDraw } from './ledger-event';

/** The fields of CreditsReservedV1 after ReservationReference's (see event-fields.ts). */
class CreditsReservedFields extends ReservationReference {
  @IntegerAtLeast(0)
  credits!: number;

  @Nested(() => LotDraw, true)
  draws!: LotDraw[];

  @IsoTime()
  expiresAt!: string;

  @IsoTime()
  reservedAt!: string;
}

/** `CreditsReserved` v1: a hold for a long job; held credits are not spendable by anything else. */
export class CreditsReservedV1 extends CreditsReservedFields {}

/** `ledger.events.credits-reserved.v1`. */
export const CreditsReservedMessage = ledgerEventMessage('ledger.events.credits-reserved.v1', 'CreditsReserved', CreditsReservedV1);
