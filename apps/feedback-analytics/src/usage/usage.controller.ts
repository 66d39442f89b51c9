import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AnalyticsSubjects, Reply, UsageQuery, UsageView, validatePayload } from '@credit-hub/contracts';
import { UsageReader } from './usage.reader';

/** Request/reply queries on the usage read model (queue group `feedback-analytics`). */
@Controller()
export class UsageController {
  constructor(private readonly reader: UsageReader) {}

  /** `AnalyticsSubjects.usage`: a `UsageQuery` in, a `Reply<UsageView>` out (refusal `validation_failed`). */
  @MessagePattern(AnalyticsSubjects.usage)
  async usage(@Payload() payload: unknown): Promise<Reply<UsageView>> {
    const query = validatePayload(UsageQuery, payload);
    if (!query.ok) return { ok: false, refusal: query.refusal };
    return this.reader.usage(query.value);
  }
}
