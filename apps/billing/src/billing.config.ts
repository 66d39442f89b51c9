import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsSecret, postgresUrlPattern, ServiceBaseConfig } from '@credit-hub/service-kit';

/** The billing service's environment, validated at boot (a bad value stops it with exit code 78). */
export class BillingConfig extends ServiceBaseConfig {
  @Matches(postgresUrlPattern, { message: 'BILLING_DATABASE_URL must be postgres://user@host:port/database' })
  BILLING_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub_billing';


  /** Port of billing's own HTTP server (health only; webhooks arrive through the gateway). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  BILLING_HTTP_PORT = 3012;

  /** Connections in billing's PostgreSQL pool (the outbox relay borrows one per batch). */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(100)
  BILLING_DATABASE_POOL_SIZE = 10;

  /**
   * Stripe secret key (`sk_test_…` / `sk_live_…`, or `rk_…` restricted; or STRIPE_SECRET_KEY_FILE).
   * No default: `npm start` generates one for the stand-in (which accepts any `sk_` key).
   */
  @Matches(/^(sk|rk)_[A-Za-z0-9_]+$/, { message: 'STRIPE_SECRET_KEY must start with sk_ or rk_ and hold only letters, digits and _' })
  @IsSecret({ lengthMin: 32 })
  STRIPE_SECRET_KEY!: string;

  /**
   * Where the Stripe API is: an http(s) base URL (the local stand-in by default), or the literal
   * `stripe` for the real api.stripe.com (then the SDK keeps its own host, port and protocol).
   */
  @Matches(/^(stripe|https?:\/\/[^\s/?#]+\/?)$/, {
    message: 'STRIPE_API_BASE_URL must be an http(s)://host[:port] URL or the word stripe',
  })
  STRIPE_API_BASE_URL = 'http://127.0.0.1:12111';

  /**
   * Webhook signing secret of the endpoint (`whsec_…`; or STRIPE_WEBHOOK_SECRET_FILE); the signature
   * covers the raw body. No default: anyone knowing it could forge a paid checkout.
   */
  @IsSecret({ prefix: 'whsec_', lengthMin: 30 })
  STRIPE_WEBHOOK_SECRET!: string;

  /**
   * Signing secret of the Stripe Connect webhook endpoint (`whsec_…`; or
   * STRIPE_CONNECT_WEBHOOK_SECRET_FILE): the endpoint that receives the events of connected
   * accounts (https://docs.stripe.com/connect/webhooks), a secret of its own. No default; unset,
   * every Connect delivery is refused as unsigned (platform sales work as before).
   */
  @IsOptional()
  @IsSecret({ prefix: 'whsec_', lengthMin: 30 })
  STRIPE_CONNECT_WEBHOOK_SECRET?: string;

  /**
   * The platform's application fee on a newly connected domain, integer basis points (0-10000;
   * 500 = 5 %). Changed per domain with the operator API.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  CONNECT_APPLICATION_FEE_BPS = 500;

  /** Whether money refunds on a newly connected domain give the application fee back (Stripe's `refund_application_fee`). */
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'CONNECT_REFUND_APPLICATION_FEE must be true or false' })
  CONNECT_REFUND_APPLICATION_FEE = true;

  /**
   * How often the background work runs: the payment-grace check (blocks plan credits once a grace
   * ends on Stripe's clock) and the dispute-evidence drafts. Each run is one indexed query when
   * there is nothing to do.
   */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  BILLING_SCHEDULER_INTERVAL_MS = 5000;

  /** Bound on one request to the ledger (the history of a disputed customer, one page). */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  LEDGER_REQUEST_TIMEOUT_MS = 5000;

  /** How long reconciliation waits for the ledger to catch up before it reports "paid, not credited". */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(120_000)
  BILLING_RECONCILE_SETTLE_MS = 10_000;

  /** The domains and offerings to load at boot (JSON, path relative to the working directory). */
  @IsString()
  @Length(1, 1024)
  CATALOG_FILE = 'deploy/catalog/demo.json';
}
