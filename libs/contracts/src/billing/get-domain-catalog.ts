import { IsString, Length, Matches } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain } from '../normalize';
import { defineMessage, strictly } from '../message';
import { DomainCatalogView } from './subscription-model';
import { domainPattern } from './subscription-fields';

/** `GetDomainCatalog` (operator): a domain's brand and every offering, sold or retired. */
export class GetDomainCatalogQuery {
  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax) @Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

/** `billing.queries.get-domain-catalog.v1`: request/reply. */
export const GetDomainCatalogMessage = defineMessage<GetDomainCatalogQuery, DomainCatalogView>()({ name: 'billing.queries.get-domain-catalog.v1', kind: 'query', validate: strictly(GetDomainCatalogQuery) });
