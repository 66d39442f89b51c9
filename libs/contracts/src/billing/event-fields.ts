import { IsString, Length } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { Nullable } from '../message';

/*
 * Field groups that several billing events open with. class-validator checks a class's own fields
 * before the inherited ones (MetadataStorage.getTargetValidationMetadatas: original, then
 * inherited in the order the classes were declared), so a message that extends a group declares
 * its own fields in a `…Fields` class and is itself an empty subclass of it: the group's fields
 * are then checked first and the first bad field named is the one a flat class would name.
 */

/** The dispute, its charge and the customer it belongs to: the first fields of dispute-opened and dispute-closed. */
export class DisputeParties {
  @IsString() @Length(1, 200)
  disputeId!: string;

  @IsString() @Length(1, 200)
  chargeId!: string;

  @Nullable() @IsString() @Length(1, 200)
  paymentIntentId!: string | null;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;
}

/** The subscription (`sub_…` from Stripe) and its customer on a domain: the first fields of the subscription events. */
export class SubscriptionCustomer {
  @IsString() @Length(1, 200)
  subscriptionId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;
}
