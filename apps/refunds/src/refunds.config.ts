import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { postgresUrlPattern, ServiceBaseConfig } from '@credit-hub/service-kit';

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
}
