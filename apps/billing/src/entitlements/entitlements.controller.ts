import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CheckEntitlementQuery, EntitlementCheckResult, EntitlementSubjects, EntitlementsView, GetEntitlementsQuery, Reply, validatePayload,
} from '@credit-hub/contracts';
import { EntitlementsService } from './entitlements.service';

/** NATS request/reply: a customer's entitlements on a domain, and the check of one feature. */
@Controller()
export class EntitlementsController {
  constructor(private readonly entitlements: EntitlementsService) {}

  @MessagePattern(EntitlementSubjects.getEntitlements)
  async get(@Payload() payload: unknown): Promise<Reply<EntitlementsView>> {
    const query = validatePayload(GetEntitlementsQuery, payload);
    return query.ok ? this.entitlements.get(query.value) : query;
  }

  @MessagePattern(EntitlementSubjects.checkEntitlement)
  async check(@Payload() payload: unknown): Promise<Reply<EntitlementCheckResult>> {
    const query = validatePayload(CheckEntitlementQuery, payload);
    return query.ok ? this.entitlements.check(query.value) : query;
  }
}
