import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RefundsConfig } from '../refunds.config';
import { RefundsDb } from '../db/refunds-db';
import { claimDue } from '../requests/refund-requests.store';
import { RefundSaga } from './refund-saga';

/** Refunds one pass claims at most; the rest wait for the next pass. */
const claimsPerPassMax = 20;

/**
 * Finishes refunds nobody is driving: at boot (what a killed process left half-way) and every
 * REFUNDS_SAGA_POLL_MS (what waits for a retry). It claims due, unleased requests with `FOR
 * UPDATE SKIP LOCKED`, so several instances share the work without driving one refund twice at once.
 */
@Injectable()
export class SagaResumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SagaResumer');
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private stopping = false;
  /** Refunds this resumer drove to a stop (finished or waiting); read by tests. */
  drivenCount = 0;

  constructor(
    private readonly db: RefundsDb,
    private readonly saga: RefundSaga,
    private readonly config: RefundsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }

  /** Runs one pass now (tests) and resolves when it is done. */
  async runOnce(): Promise<number> {
    const ids = await claimDue(this.db.pool, claimsPerPassMax, new Date(Date.now() + this.config.REFUNDS_SAGA_LEASE_MS));
    for (const id of ids) {
      if (this.stopping) break; // the rest keep their lease until it expires, then resume elsewhere
      try {
        const row = await this.saga.drive(id);
        this.drivenCount++;
        this.logger.log(`resumed refund ${id}: now ${row.status}`);
      } catch (error) {
        this.logger.error(`resuming refund ${id} failed: ${(error as Error).message}`, (error as Error).stack);
      }
    }
    return ids.length;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.pass = this.runOnce()
        .then((claimed) => this.schedule(claimed === claimsPerPassMax ? 0 : this.config.REFUNDS_SAGA_POLL_MS))
        .catch((error: Error) => {
          this.logger.warn(`resumer pass failed: ${error.message}`);
          this.schedule(this.config.REFUNDS_SAGA_POLL_MS);
        });
    }, delayMs);
  }
}
