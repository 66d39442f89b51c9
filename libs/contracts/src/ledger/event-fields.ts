import { IsString, Length } from 'class-validator';
import { NormalizedDomain } from '../normalize';
import { IntegerAtLeast } from '../message';

/*
 * Field groups that several ledger events open with. class-validator checks a class's own fields
 * before the inherited ones (MetadataStorage.getTargetValidationMetadatas: original, then
 * inherited in the order the classes were declared), so an event that extends a group declares
 * its own fields in a `…Fields` class and is itself an empty subclass of it: the group's fields
 * are then checked first and the first bad field named is the one a flat class would name.
 */

/** A hold and the work it is for: the first fields of CreditsReserved and ReservationCaptured. */
export class ReservationReference {
  @IsString() @Length(1, 200)
  reservationId!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  referenceId!: string;
}

/** A purchase lot, the money refund asked for it and its credits: the first fields of PurchaseRefunded and PurchaseRefundReverted. */
export class LotRefund {
  @IsString() @Length(1, 200)
  lotId!: string;

  @IsString() @Length(1, 200)
  refundRequestId!: string;

  @IntegerAtLeast(0)
  credits!: number;
}
