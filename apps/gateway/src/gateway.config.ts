import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { postgresUrlPattern, ServiceBaseConfig } from '@credit-hub/service-kit';
import { gatewayDatabaseUrlDefault } from './api-keys/api-key-database';

/** The gateway's environment, validated at boot. */
export class GatewayConfig extends ServiceBaseConfig {
  /** The gateway's own database: API keys only (it holds no business state). */
  @Matches(postgresUrlPattern, { message: 'GATEWAY_DATABASE_URL must be postgres://user@host:port/database' })
  GATEWAY_DATABASE_URL = gatewayDatabaseUrlDefault;


  /** Port of the public HTTP API; 0 picks a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  GATEWAY_HTTP_PORT = 3000;

  /** How long a request over NATS may take before the caller gets 503 service_unavailable. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  NATS_REQUEST_TIMEOUT_MS = 5000;

  /** Largest accepted request body; larger bodies get 413 payload_too_large before any parsing. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  HTTP_BODY_LIMIT_BYTES = 102_400;

  /** Connections in the gateway's PostgreSQL pool (API key lookups only). */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(100)
  GATEWAY_DATABASE_POOL_SIZE = 5;

  /**
   * Request log lines at info on the hot routes (consume, consume batch, balance): one answered
   * request in this many (1: every one). Errors (4xx, 5xx) and slow requests are always logged;
   * the metrics count every request.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  GATEWAY_HOT_ROUTE_LOG_SAMPLE = 100;
}
