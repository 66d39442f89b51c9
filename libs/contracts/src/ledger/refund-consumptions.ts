import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { CustomerOnDomain, idMessage, idPattern } from './command-fields';

/**
 * `RefundConsumptions`: return the credits of consumptions on `domain` to the lots they came from
 * (`ConsumptionRefunded`). Idempotent on `refundRequestId`. Names the consumptions either by
 * `referenceIds`, or by `consumedSince`: then the ledger itself picks, under the account's lock,
 * every consumption on the domain from that time on with credits not refunded yet, newest first
 * (so nothing it acknowledged is missed and nothing is refunded twice). Exactly one of the two.
 */
export class RefundConsumptionsCommand extends CustomerOnDomain {
  @IsString() @Matches(idPattern, { message: `refundRequestId ${idMessage}` })
  refundRequestId!: string;

  @ValidateIf((c: RefundConsumptionsCommand) => c.consumedSince === undefined)
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @IsString({ each: true }) @Length(1, Limits.referenceIdLengthMax, { each: true })
  referenceIds?: string[];

  /** The start of the refund window (ISO-8601); with it the ledger selects the consumptions. */
  @ValidateIf((c: RefundConsumptionsCommand) => c.referenceIds === undefined)
  @IsISO8601({ strict: true })
  consumedSince?: string;

  /** At most this many credits in total (a policy cap); default: everything not refunded yet. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Limits.creditsPerCommandMax)
  creditsMax?: number;
}

/** Answer to RefundConsumptions. */
export interface RefundConsumptionsResult {
  creditsRefunded: number;
  refunded: { referenceId: string; credits: number; eventId: string }[];
  balance: number;
  repeated: boolean;
}

/** `ledger.commands.refund-consumptions.v1`: request/reply, queue group `ledger`. */
export const RefundConsumptionsMessage = defineMessage<RefundConsumptionsCommand, RefundConsumptionsResult>()({ name: 'ledger.commands.refund-consumptions.v1', kind: 'command', validate: strictly(RefundConsumptionsCommand) });
