import { IsString, Matches } from 'class-validator';
import { natsServersPattern } from './config';

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
}
