import { IsOptional, IsString, Matches } from 'class-validator';
import { natsServersPattern } from './config';
import { IsSecret } from './secrets';

/**
 * Variables every service reads; each service's config class extends this one and adds its own
 * database URL and port. class-validator checks the inherited decorators too.
 */
export class ServiceBaseConfig {
  @Matches(natsServersPattern, { message: 'NATS_URL must be nats://host:port[,nats://…]' })
  NATS_URL = 'nats://127.0.0.1:4222';

  /** Interface the service's HTTP server binds (health, and the gateway's API). */
  @IsString()
  HTTP_HOST = '127.0.0.1';

  /**
   * NATS credentials of a secured server (deploy/nats): the password of `NATS_USER`, or a token.
   * Unset on a local open server; when set (or given by `NATS_PASSWORD_FILE` / `NATS_TOKEN_FILE`),
   * a placeholder or published value stops the service at boot. Read by `natsAuthOptions`.
   */
  @IsOptional()
  @IsSecret({ lengthMin: 16 })
  NATS_PASSWORD?: string;

  @IsOptional()
  @IsSecret({ lengthMin: 16 })
  NATS_TOKEN?: string;
}
