import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { readSecretSetting, secretSettingsOf, urlPasswordProblem, withoutUrlPassword } from './secrets';

/**
 * Validates a service's environment against its config class at boot.
 *
 * Shape: `cls` is a class whose properties are environment variable names with class-validator
 * decorators and defaults as initialisers; `env` is `process.env`.
 * Returns the validated, typed instance (numbers converted from strings by `@Type`).
 * Throws `ConfigurationError` naming every missing or malformed variable, so a service stops at
 * boot with a message that says what to fix instead of failing later on first use.
 * Secret settings (`@IsSecret`) may come from the file named by `<NAME>_FILE`, and their values
 * are never printed; a URL's password is masked in the message, and a placeholder password
 * (`CHANGE_ME`) is refused like a malformed value.
 */
export function validateEnvironment<T extends object>(cls: new () => T, env: Record<string, unknown>): T {
  const secrets = secretSettingsOf(cls);
  const defined: Record<string, unknown> = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const lines: string[] = [];
  for (const name of secrets) {
    try {
      const value = readSecretSetting(env, name);
      if (value === undefined) delete defined[name];
      else defined[name] = value;
    } catch (error) {
      lines.push(`  ${(error as Error).message}`);
    }
  }
  const instance = plainToInstance(cls, defined, { exposeDefaultValues: true });
  const errors = validateSync(instance, { skipMissingProperties: false, whitelist: false });
  for (const e of errors) {
    const why = Object.values(e.constraints ?? {}).join('; ');
    lines.push(`  ${e.property}=${printable(e.property, defined[e.property], secrets)}: ${why}`);
  }
  for (const [name, value] of Object.entries(instance)) {
    const problem = secrets.has(name) ? undefined : urlPasswordProblem(name, value);
    if (problem) lines.push(`  ${name}=${printable(name, value, secrets)}: ${problem}`);
  }
  if (lines.length > 0) throw new ConfigurationError(`Invalid configuration (${cls.name}):\n${lines.join('\n')}`);
  return instance;
}

/** How a variable's value appears in a boot message: never a secret, never a URL's password. */
function printable(name: string, raw: unknown, secrets: Set<string>): string {
  if (raw === undefined) return '(unset)';
  if (secrets.has(name) || secretLikeName.test(name)) return '(hidden)';
  return JSON.stringify(typeof raw === 'string' ? withoutUrlPassword(raw) : raw);
}

/** Names whose values are never printed even when the setting is not declared `@IsSecret`. */
const secretLikeName = /SECRET|PASSWORD|TOKEN|CREDENTIAL|API_KEY/;

/** Raised at boot when an environment variable is missing or malformed. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Regular expression a PostgreSQL connection URL must match. */
export const postgresUrlPattern = /^postgres(ql)?:\/\/[^\s/]+\/[A-Za-z0-9_]+(\?.*)?$/;

/** Regular expression a NATS server list must match (comma-separated `nats://host:port`). */
export const natsServersPattern = /^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/;
