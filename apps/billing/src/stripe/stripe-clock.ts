import { Injectable, Logger } from '@nestjs/common';
import { BillingConfig } from '../billing.config';

/** Bound on one read of the stand-in's clock, ms. */
const clockReadTimeoutMs = 2000;

/**
 * "Now" on Stripe's clock, unix seconds: what billing compares Stripe's times with (grace ends,
 * the dispute window, reconciliation windows).
 *
 * Against the real Stripe (`STRIPE_API_BASE_URL=stripe`) it is the wall clock. Against a base URL
 * (the local stand-in) it is the stand-in's simulated clock, read from `GET /test/clock`, so a
 * test that advances that clock moves billing's "now" with it; if the base URL has no such
 * endpoint (another mock) or does not answer, the wall clock. It never goes below the wall clock.
 * Webhooks need none of this: their handlers judge by the event's own `created` (Stripe's time).
 */
@Injectable()
export class StripeClock {
  private readonly logger = new Logger('StripeClock');
  private warned = false;

  constructor(private readonly config: BillingConfig) {}

  /** Stripe's now minus the wall clock at the last read, seconds, and when that read was (ms). */
  private offsetSeconds = 0;
  private readAtMs = -Infinity;
  private pending: Promise<number> | undefined;

  /**
   * "Now" on Stripe's clock without a read when the last one is at most `maxAgeMs` old: the wall
   * clock plus the offset seen then (hot paths such as the entitlement check). Concurrent callers
   * share one read.
   */
  async nowSecondsCached(maxAgeMs: number): Promise<number> {
    const wallMs = Date.now();
    if (this.config.STRIPE_API_BASE_URL === 'stripe') return Math.floor(wallMs / 1000);
    if (wallMs - this.readAtMs <= maxAgeMs) return Math.floor(wallMs / 1000) + this.offsetSeconds;
    this.pending ??= this.nowSeconds().finally(() => (this.pending = undefined));
    return this.pending;
  }

  async nowSeconds(): Promise<number> {
    const now = await this.read();
    const wallMs = Date.now();
    this.offsetSeconds = now - Math.floor(wallMs / 1000);
    this.readAtMs = wallMs;
    return now;
  }

  private async read(): Promise<number> {
    const wall = Math.floor(Date.now() / 1000);
    if (this.config.STRIPE_API_BASE_URL === 'stripe') return wall;
    try {
      const url = `${this.config.STRIPE_API_BASE_URL.replace(/\/+$/, '')}/test/clock`;
      const response = await fetch(url, { signal: AbortSignal.timeout(clockReadTimeoutMs) });
      if (!response.ok) return wall;
      const body = (await response.json()) as { now?: unknown };
      return typeof body.now === 'number' && Number.isSafeInteger(body.now) ? Math.max(wall, body.now) : wall;
    } catch (error) {
      if (!this.warned) this.logger.warn(`cannot read the stand-in's clock, using the wall clock: ${(error as Error).message}`);
      this.warned = true;
      return wall;
    }
  }
}
