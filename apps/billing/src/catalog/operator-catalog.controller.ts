import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BillingSubscriptionSubjects, DomainCatalogView, GetDomainCatalogQuery, PutDomainCatalogCommand, PutOfferingCommand, Reply, replyOk, replyRefused,
  validatePayload,
} from '@credit-hub/contracts';
import { validateDomainInput, validateOfferingInput } from './catalog';
import { CatalogService } from './catalog.service';

/**
 * NATS request/reply of the operator's catalog API (the gateway checks the operator key). Input is
 * validated by the same rules as the catalog file (no negative price, known currency, credits > 0,
 * plan terms); the first problem comes back as `validation_failed` naming its field. Changing an
 * offering never changes a sale: checkouts froze their terms.
 */
@Controller()
export class OperatorCatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @MessagePattern(BillingSubscriptionSubjects.getDomainCatalog)
  async get(@Payload() payload: unknown): Promise<Reply<DomainCatalogView>> {
    const query = validatePayload(GetDomainCatalogQuery, payload);
    if (!query.ok) return query;
    const view = await this.catalog.domainView(query.value.domain);
    return view ? replyOk(view) : replyRefused('not_found', `no domain ${query.value.domain} in the catalog`, 'domain');
  }

  @MessagePattern(BillingSubscriptionSubjects.putDomainCatalog)
  async putDomain(@Payload() payload: unknown): Promise<Reply<DomainCatalogView>> {
    const command = validatePayload(PutDomainCatalogCommand, payload);
    if (!command.ok) return command;
    const { domain, ...fields } = command.value;
    const checked = validateDomainInput(domain, fields as unknown as Record<string, unknown>);
    if (!checked.ok) return firstProblem(checked.errors);
    const { offerings, ...brand } = checked.domain;
    return replyOk(await this.catalog.putDomain(brand, offerings));
  }

  @MessagePattern(BillingSubscriptionSubjects.putOffering)
  async putOffering(@Payload() payload: unknown): Promise<Reply<DomainCatalogView>> {
    const command = validatePayload(PutOfferingCommand, payload);
    if (!command.ok) return command;
    const checked = validateOfferingInput(command.value.offeringId, command.value.offering);
    if (!checked.ok) return firstProblem(checked.errors);
    const view = await this.catalog.putOffering(command.value.domain, checked.offering, checked.active);
    return view ? replyOk(view) : replyRefused('not_found', `no domain ${command.value.domain} in the catalog; PUT the domain first`, 'domain');
  }
}

/** `path: message` → a validation_failed refusal naming `path` (every problem listed in the detail). */
function firstProblem(errors: string[]): Reply<never> {
  const [first = 'catalog: invalid'] = errors;
  const field = first.slice(0, first.indexOf(':'));
  return replyRefused('validation_failed', errors.join('; '), field);
}
