import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * Validates a service's environment against its config class at boot.
 *
 * Shape: `cls` is a class whose properties are environment variable names with class-validator
 * decorators and defaults as initialisers; `env` is `process.env`.
 * Returns the validated, typed instance (numbers converted from strings by `@Type`).
 * Throws `ConfigurationError` naming every missing or malformed variable, so a service stops at
 * boot with a message that says what to fix instead of failing later on first use.
 */
export function validateEnvironment<T extends object>(cls: new () => T, env: Record<string, unknown>): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const instance = plainToInstance(cls, defined, { exposeDefaultValues: true });
  const errors = validateSync(instance, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const why = Object.values(e.constraints ?? {}).join('; ');
      const raw = env[e.property];
      return `  ${e.property}=${raw === undefined ? '(unset)' : JSON.stringify(raw)}: ${why}`;
    });
    throw new ConfigurationError(`Invalid configuration (${cls.name}):\n${lines.join('\n')}`);
  }
  return instance;
}

/** Raised at boot when an environment variable is missing or malformed. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Regular expression a PostgreSQL connection URL must match. */
export const postgresUrlPattern = /^postgres(ql)?:\/\/[^\s/]+\/[A-Za-z0-9_]+(\?.*)?$/;

/** Regular expression a NATS server list must match (comma-separated `nats://host:port`). */
export const natsServersPattern = /^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/;
