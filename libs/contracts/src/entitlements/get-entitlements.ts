import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { EntitlementsView } from './entitlement-model';

/** `GetEntitlements`: the customer's entitlements on the domain (the API key's). */
export class GetEntitlementsQuery {
  @NormalizedEmail() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax) @Matches(/^[a-z0-9.-]+$/i, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/** `billing.queries.get-entitlements.v1`: request/reply, queue group `billing`. */
export const GetEntitlementsMessage = defineMessage<GetEntitlementsQuery, EntitlementsView>()({ name: 'billing.queries.get-entitlements.v1', kind: 'query', validate: strictly(GetEntitlementsQuery) });
