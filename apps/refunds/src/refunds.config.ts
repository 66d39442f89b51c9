import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsSecret, postgresUrlPattern, ServiceBaseConfig } from '@credit-hub/service-kit';
import { portalTokenKeyRing, PortalTokenKeyRing } from './portal/portal-token';

/** The refunds service's environment, validated at boot (a bad variable stops it with exit code 78). */
export class RefundsConfig extends ServiceBaseConfig {
  @Matches(postgresUrlPattern, { message: 'REFUNDS_DATABASE_URL must be postgres://user@host:port/database' })
  REFUNDS_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub_refunds';

  /** Port of the service's own HTTP server (health only); 0 picks a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  REFUNDS_HTTP_PORT = 3014;

  /** Connections in the pool; a customer's concurrent refund requests wait on a lock holding one each. */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(100)
  REFUNDS_DATABASE_POOL_SIZE = 16;

  /** The catalog file (the same one billing reads): each domain's brand and `refundPolicy`. */
  @IsString()
  @Length(1, 1024)
  CATALOG_FILE = 'deploy/catalog/demo.json';

  /**
   * HMAC-SHA256 key of the portal links (at least 32 random characters; or PORTAL_TOKEN_SECRET_FILE).
   * Anyone holding it can open any customer's portal, so it has no default: the service does not
   * boot without it, nor with a value published in the repository.
   */
  @IsSecret()
  PORTAL_TOKEN_SECRET!: string;

  /**
   * During a key rotation only: the key being retired. Links it signed keep working until it is
   * removed (after PORTAL_TOKEN_TTL_SECONDS); new links are signed with PORTAL_TOKEN_SECRET.
   */
  @IsOptional()
  @IsSecret()
  PORTAL_TOKEN_PREVIOUS_SECRET?: string;

  /** How long a portal link works, seconds (1 minute to 7 days). */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  PORTAL_TOKEN_TTL_SECONDS = 3600;

  /** Bound on one request to the ledger (refund, balance), ms. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  LEDGER_REQUEST_TIMEOUT_MS = 5000;

  /** Bound on one request to billing (a Stripe refund, which billing retries twice), ms. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(300_000)
  BILLING_REQUEST_TIMEOUT_MS = 70_000;

  /** How often the saga resumer looks for unfinished refunds, ms. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  REFUNDS_SAGA_POLL_MS = 5000;

  /**
   * How long a driver owns a refund before another may take it over (a crashed process's refunds
   * resume after this). Longer than the slowest step (BILLING_REQUEST_TIMEOUT_MS).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  REFUNDS_SAGA_LEASE_MS = 120_000;

  /** How long the request waits for a money refund's saga before answering "processing", ms. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30_000)
  REFUNDS_MONEY_WAIT_MS = 3000;

  /** The portal link keys: sign with PORTAL_TOKEN_SECRET, also accept PORTAL_TOKEN_PREVIOUS_SECRET. */
  get portalTokenKeys(): PortalTokenKeyRing {
    return portalTokenKeyRing(this.PORTAL_TOKEN_SECRET, this.PORTAL_TOKEN_PREVIOUS_SECRET);
  }
}
