import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { postgresUrlPattern, ServiceBaseConfig } from '@credit-hub/service-kit';

/** The ledger's environment, validated at boot. */
export class LedgerConfig extends ServiceBaseConfig {
  @Matches(postgresUrlPattern, { message: 'LEDGER_DATABASE_URL must be postgres://user@host:port/database' })
  LEDGER_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub_ledger';


  /** Port of the ledger's own HTTP server (health only). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  LEDGER_HTTP_PORT = 3011;

  /** Connections in the ledger's PostgreSQL pool. */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(200)
  LEDGER_DATABASE_POOL_SIZE = 16;

  /** Ledger pipeline: most commands written in one transaction (1 = every command alone). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2000)
  LEDGER_BATCH_SIZE_MAX = 256;

  /**
   * Ledger pipeline: an explicit wait before a batch is written when a slot is free, ms. Default 0:
   * none (while batches commit, commands queue for the next one anyway: natural batching; and
   * commands on one account are decided in arrival order whatever the wait); see docs/scaling.md.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(50)
  LEDGER_BATCH_WAIT_MS = 0;

  /** Ledger pipeline: batches in flight at once (each holds one pooled connection); more commands wait for the next batch. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  LEDGER_BATCH_CONCURRENCY = 4;

  /**
   * Account snapshots (ledger_snapshots): an account's whole state is snapshotted in the append
   * transaction that takes its stream version across a multiple of this many events. 0 = never.
   * Default 10,000: a snapshot holds every consumption record of the account (idempotency keys
   * are kept), so it costs one read of the previous snapshot and at most N events, a fold and one
   * jsonb row of the account's size, under the account's lock: once per 10,000 events keeps that
   * pause rare on a hot account (docs/operations.md, docs/performance.md).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LEDGER_SNAPSHOT_EVERY = 10_000;
}
