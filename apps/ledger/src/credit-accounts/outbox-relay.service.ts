import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OutboxRelay } from '@credit-hub/messaging';
import { InjectNats, Metrics } from '@credit-hub/service-kit';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { LedgerConfig } from '../ledger.config';
import { LedgerPipeline } from './ledger.pipeline';

/** Advisory lock key of the ledger's relay: one relay per ledger database publishes. */
export const ledgerRelayLockKey = 7_340_001;

/**
 * Runs the ledger's outbox relay to stream LEDGER for the life of the service; the pipeline's
 * commits wake it in-process (`OutboxRelay.nudge`), the outbox trigger's NOTIFY otherwise.
 */
@Injectable()
export class LedgerOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: OutboxRelay;

  constructor(@InjectDataSource() dataSource: DataSource, @InjectNats() nc: NatsConnection, config: LedgerConfig, metrics: Metrics, pipeline: LedgerPipeline) {
    const lag = metrics.histogram('outbox_publish_lag_seconds', 'Outbox row commit to JetStream publish ack', [], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5]);
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    metrics.gauge('outbox_backlog', 'Outbox rows not yet published', [], async (gauge) => {
      const { rows } = await pool.query('SELECT count(*) FROM outbox WHERE published_at IS NULL');
      gauge.set(Number(rows[0].count));
    });
    this.relay = new OutboxRelay({
      onPublished: (lags) => lags.forEach((ms) => lag.observe(ms / 1000)),
      pool,
      databaseUrl: config.LEDGER_DATABASE_URL,
      nc,
      channel: 'ledger_outbox',
      lockKey: ledgerRelayLockKey,
      name: 'ledger',
    });
    // The pipeline's commits wake the relay in-process (the NOTIFY stays: other writers, other replicas).
    pipeline.afterCommit = () => this.relay.nudge();
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
