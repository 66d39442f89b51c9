import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { postgresUrlPattern, ServiceBaseConfig } from '@credit-hub/service-kit';

/** feedback-analytics' environment, validated at boot (a bad variable stops the service with exit code 78). */
export class AnalyticsConfig extends ServiceBaseConfig {
  @Matches(postgresUrlPattern, { message: 'ANALYTICS_DATABASE_URL must be postgres://user@host:port/database' })
  ANALYTICS_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub_analytics';


  /** Port of the service's own HTTP server (health only); 0 picks a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  ANALYTICS_HTTP_PORT = 3015;
}
