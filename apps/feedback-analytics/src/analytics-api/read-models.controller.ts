import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AnalyticsRangeQuery,
  AnalyticsReadModelSubjects,
  AnalyticsSummaryView,
  ConversionView,
  CreditsView,
  FeedbackQuery,
  FeedbackView,
  RefundsAnalyticsView,
  Reply,
  RevenueView,
  validatePayload,
} from '@credit-hub/contracts';
import { ReadModelReader } from '../read-models/read-model.reader';

/** Request/reply queries on the read models (queue group `feedback-analytics`); refusal `validation_failed`. */
@Controller()
export class ReadModelsController {
  constructor(private readonly reader: ReadModelReader) {}

  @MessagePattern(AnalyticsReadModelSubjects.summary)
  summary(@Payload() payload: unknown): Promise<Reply<AnalyticsSummaryView>> {
    return this.range(payload, (q) => this.reader.summary(q));
  }

  @MessagePattern(AnalyticsReadModelSubjects.credits)
  credits(@Payload() payload: unknown): Promise<Reply<CreditsView>> {
    return this.range(payload, (q) => this.reader.credits(q));
  }

  @MessagePattern(AnalyticsReadModelSubjects.revenue)
  revenue(@Payload() payload: unknown): Promise<Reply<RevenueView>> {
    return this.range(payload, (q) => this.reader.revenue(q));
  }

  @MessagePattern(AnalyticsReadModelSubjects.conversion)
  conversion(@Payload() payload: unknown): Promise<Reply<ConversionView>> {
    return this.range(payload, (q) => this.reader.conversion(q));
  }

  @MessagePattern(AnalyticsReadModelSubjects.refunds)
  refunds(@Payload() payload: unknown): Promise<Reply<RefundsAnalyticsView>> {
    return this.range(payload, (q) => this.reader.refunds(q));
  }

  @MessagePattern(AnalyticsReadModelSubjects.feedback)
  async feedback(@Payload() payload: unknown): Promise<Reply<FeedbackView>> {
    const query = validatePayload(FeedbackQuery, payload);
    if (!query.ok) return { ok: false, refusal: query.refusal };
    return this.reader.feedback(query.value);
  }

  private async range<T>(payload: unknown, read: (query: AnalyticsRangeQuery) => Promise<Reply<T>>): Promise<Reply<T>> {
    const query = validatePayload(AnalyticsRangeQuery, payload);
    if (!query.ok) return { ok: false, refusal: query.refusal };
    return read(query.value);
  }
}
