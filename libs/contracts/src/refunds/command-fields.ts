import { IsString, Length, Matches } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain } from '../normalize';
import { RefundLimits } from './refund-model';

/** Ids the refunds service takes: 1-200 letters, digits or `_.:-`; refund request ids are UUIDs. */
export const idPattern = /^[A-Za-z0-9_.:-]{1,200}$/;
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const domainPattern = /^[a-z0-9.-]+$/i;
export const feedbackLength = (name: string) => ({ message: `${name} must be 1-${RefundLimits.feedbackLengthMax} characters` });

/** A request about one domain (the API key's). */
export class OnDomain {
  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

