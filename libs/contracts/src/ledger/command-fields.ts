/**
 * Fields and results shared by the ledger's commands (request/reply subjects in `LedgerSubjects`,
 * one file per command beside this one). Every command is idempotent on the key named in its
 * docstring: the same command again returns the first answer with `repeated: true` and appends nothing.
 */
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';

/** A customer (email, the key of the account) on one domain. */
/**
 * Ledger commands beyond consume (request/reply subjects in `LedgerSubjects`). Every one is
 * idempotent on the key named in its docstring: the same command again returns the first answer
 * with `repeated: true` and appends nothing.
 */

export class CustomerOnDomain {
  @NormalizedEmail()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  @Matches(/^[a-z0-9.-]+$/i, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/** Ids of grants, reservations, refunds, disputes: 1-200 letters, digits or `_.:-`. */
export const idPattern = /^[A-Za-z0-9_.:-]{1,200}$/;
export const idMessage = 'must be 1-200 letters, digits or _.:-';

/** Answer of the account-state commands (freeze, unfreeze, claw back, suspend, resume, revert). */
export interface AccountChangeResult {
  balance: number;
  eventIds: string[];
  repeated: boolean;
}
