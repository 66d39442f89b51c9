import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';

/** A host name such as `yourproduct.com`. */
export const domainPattern = /^[a-z0-9.-]+$/i;

/** A Stripe subscription id, `sub_…`. */
export const subscriptionIdPattern = /^sub_[A-Za-z0-9_]{1,200}$/;

/** An offering id: 1-64 letters, digits or `_.-`. */
export const offeringIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;

/** `IsUrl` options of return URLs: http(s), no TLD required (local hosts in tests). */
export const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** The customer (email) acting on one domain (the API key's). */
export class CustomerOnDomain {
  @NormalizedEmail() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax) @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

