import { IsObject, IsString, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { DomainCatalogView } from './subscription-model';
import { offeringIdPattern } from './subscription-fields';
import { GetDomainCatalogQuery } from './get-domain-catalog';

/** `PutOffering` (operator): creates or replaces one offering of an existing domain. */
export class PutOfferingCommand extends GetDomainCatalogQuery {
  @IsString() @Matches(offeringIdPattern, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;

  @IsObject()
  offering!: Record<string, unknown>;
}

/** `billing.commands.put-offering.v1`: request/reply. */
export const PutOfferingMessage = defineMessage<PutOfferingCommand, DomainCatalogView>()({ name: 'billing.commands.put-offering.v1', kind: 'command', validate: strictly(PutOfferingCommand) });
