import { ExitCode, postgresUrlPattern } from '@credit-hub/service-kit';
import { GatewayDatabaseMissingError, gatewayDatabaseUrlDefault, openMigratedGatewayDatabase } from '../api-keys/api-key-database';
import { AnyApiKeyRecord, ApiKeyError, createApiKey, createBuilderKey, listApiKeys, revokeApiKey, typeOrmSqlRunner } from '../api-keys/api-keys';
import { ApiKeyCommand, apiKeyUsage, parseApiKeyArgs, UsageError } from './apikey-args';

/**
 * `npm run apikey -- create|list|revoke`: operator tool for the gateway's API keys (entry points
 * cli/apikey.main.ts and tools/ops/apikey.ts). No NestJS. It never creates or migrates a database
 * (the gateway does that at boot): a database that does not exist or is not migrated is exit 78.
 * Exit codes (libs/service-kit cli.ts, sysexits): 64 usage, 65 refused input, 69 database
 * unreachable, 70 unexpected error, 78 configuration.
 */

/** Where the tool writes; injectable so tests can read what it printed. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** The CLI's codes, from the one table (libs/service-kit cli.ts). */
const exitCodes = { ok: ExitCode.ok, usage: ExitCode.usage, dataError: ExitCode.data, unavailable: ExitCode.unavailable, software: ExitCode.software, config: ExitCode.config } as const;

/** Runs one command line; returns the process exit code. */
export async function runApiKeyCli(argv: readonly string[], env: NodeJS.ProcessEnv, output: CliOutput): Promise<number> {
  let command: ApiKeyCommand;
  try {
    command = parseApiKeyArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`apikey: ${error.message}\n\n${apiKeyUsage}`);
    return exitCodes.usage;
  }
  if (command.command === 'help') {
    output.out(apiKeyUsage);
    return exitCodes.ok;
  }
  const url = env['GATEWAY_DATABASE_URL'] || gatewayDatabaseUrlDefault;
  if (!postgresUrlPattern.test(url)) {
    output.err('apikey: GATEWAY_DATABASE_URL must be postgres://user@host:port/database');
    return exitCodes.config;
  }
  let database;
  try {
    database = await openMigratedGatewayDatabase(url);
  } catch (error) {
    if (error instanceof GatewayDatabaseMissingError) {
      output.err(`apikey: ${error.message}`);
      return exitCodes.config;
    }
    output.err(`apikey: cannot open the gateway database ${redact(url)}: ${(error as Error).message}`);
    return exitCodes.unavailable;
  }
  try {
    await execute(command, typeOrmSqlRunner(database), output);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof ApiKeyError) {
      output.err(`apikey: ${error.message}`);
      return exitCodes.dataError;
    }
    output.err(`apikey: ${(error as Error).message}`);
    return exitCodes.software;
  } finally {
    await database.destroy();
  }
}

async function execute(
  command: Exclude<ApiKeyCommand, { command: 'help' }>,
  sql: ReturnType<typeof typeOrmSqlRunner>,
  output: CliOutput,
): Promise<void> {
  switch (command.command) {
    case 'create': {
      const request = { domain: command.domain, ...(command.key === undefined ? {} : { key: command.key }), ...(command.label === undefined ? {} : { label: command.label }) };
      const { record, key, created } = await createApiKey(sql, request);
      if (command.json) return output.out(JSON.stringify({ id: record.id, key, domain: record.domain }));
      output.out(`${created ? 'Created' : 'Already present:'} API key for ${record.domain}`);
      output.out(`  id:     ${record.id}`);
      output.out(`  prefix: ${record.keyPrefix}`);
      output.out(`  key:    ${key}`);
      if (created && command.key === undefined) output.out('Store the key now: it is not shown again (only its SHA-256 is kept).');
      return;
    }
    case 'create-builder': {
      const request = {
        builder: command.builder,
        domains: command.domains,
        ...(command.key === undefined ? {} : { key: command.key }),
        ...(command.label === undefined ? {} : { label: command.label }),
      };
      const { record, key, created } = await createBuilderKey(sql, request);
      if (command.json) return output.out(JSON.stringify({ id: record.id, key, builder: record.builder, domains: record.domains }));
      output.out(`${created ? 'Created' : 'Already present:'} builder key for ${record.builder} (reads ${record.domains.join(', ')})`);
      output.out(`  id:     ${record.id}`);
      output.out(`  prefix: ${record.keyPrefix}`);
      output.out(`  key:    ${key}`);
      if (created && command.key === undefined) output.out('Store the key now: it is not shown again (only its SHA-256 is kept).');
      return;
    }
    case 'list': {
      const records = await listApiKeys(sql, {
        ...(command.domain === undefined ? {} : { domain: command.domain }),
        ...(command.builder === undefined ? {} : { builder: command.builder }),
      });
      if (command.json) return output.out(JSON.stringify(records.map(toJson)));
      if (records.length === 0) return output.out('No API keys.');
      output.out(table(records));
      return;
    }
    case 'revoke': {
      const record = await revokeApiKey(sql, command.reference);
      if (command.json) return output.out(JSON.stringify(toJson(record)));
      output.out(`Revoked API key ${record.id} (${record.keyPrefix}…, ${owner(record)}) at ${record.revokedAt?.toISOString() ?? '?'}`);
      return;
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Who a key acts for, in a line: the domain, or `builder <name>: a.com, b.com`. */
function owner(record: AnyApiKeyRecord): string {
  return record.kind === 'domain' ? record.domain : `builder ${record.builder}: ${record.domains.join(', ')}`;
}

function toJson(record: AnyApiKeyRecord) {
  return {
    id: record.id,
    kind: record.kind,
    ...(record.kind === 'domain' ? { domain: record.domain } : { builder: record.builder, domains: record.domains }),
    keyPrefix: record.keyPrefix,
    label: record.label,
    createdAt: record.createdAt.toISOString(),
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}

function table(records: AnyApiKeyRecord[]): string {
  const rows = [
    ['ID', 'KIND', 'PREFIX', 'DOMAIN', 'LABEL', 'CREATED', 'REVOKED'],
    ...records.map((r) => [r.id, r.kind, r.keyPrefix, owner(r), r.label ?? '', r.createdAt.toISOString(), r.revokedAt?.toISOString() ?? '-']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/** The URL without a password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Runs the CLI on this process' arguments and sets its exit code (entry points call this). */
export function runApiKeyCliMain(): void {
  const output: CliOutput = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  void runApiKeyCli(process.argv.slice(2), process.env, output).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      process.stderr.write(`apikey: ${error.stack ?? error.message}\n`);
      process.exitCode = exitCodes.software;
    },
  );
}
