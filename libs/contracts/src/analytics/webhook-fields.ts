import { IsString, Length, Matches } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain } from '../normalize';

/** A host name such as `yourproduct.com`. */
export const domainPattern = /^[a-z0-9.-]+$/i;

/** A UUID (webhook endpoint and delivery ids). */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A request about one domain (the API key's). */
export class OnDomain {
  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

