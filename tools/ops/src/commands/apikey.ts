import { Command } from 'commander';
import { confirmWrite } from '@credit-hub/service-kit';
import { runCompiledEntry } from '../connections';
import { databaseName, readEnvironment } from '../env';

const apikeyEntry = 'dist/apps/gateway/src/cli/apikey.main.js';

interface CreateOptions {
  domain?: string;
  builder?: string;
  domains?: string;
  label?: string;
  key?: string;
  json?: boolean;
  yes?: boolean;
}

/**
 * `ops apikey create|list|revoke` (alias `npm run apikey`): the gateway's API key tool (domain
 * keys, and builder keys that read the analytics of several domains) (apps/gateway/src/cli), run
 * as its compiled entry point with the same arguments, so there is one implementation of key
 * handling. create and revoke write: they state it and need --yes off a terminal.
 */
export function apikeyCommand(program: Command, run: (work: () => Promise<number>) => Promise<void>): void {
  const apikey = program
    .command('apikey')
    .description("manage the gateway's API keys: domain keys and builder keys (the gateway's apikey tool)")
    .addHelpText(
      'after',
      `
Keys are stored as SHA-256 hashes in the gateway database; a revoked key stops working within a second.
The tool never creates or migrates a database: the gateway does that when it starts. A mistyped
GATEWAY_DATABASE_URL (a database that does not exist) or a database the gateway never migrated is
refused with exit 78 and nothing is created.
Exit codes: 0 ok; 64 usage or no --yes off a terminal; 65 refused (unknown key, bad domain); 69 database
unreachable; 78 configuration (no such database, not migrated, malformed URL).
Environment: GATEWAY_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_gateway).`,
    );

  apikey
    .command('create')
    .description('create an API key for a domain (--domain), or a builder key reading several domains (--builder --domains), and print it once')
    .option('--domain <domain>', 'the domain (product) the key belongs to')
    .option('--builder <name>', 'create a builder key (chk_bld_…) for this builder: analytics of --domains only')
    .option('--domains <a.com,b.com>', "the builder key's domains, comma-separated")
    .option('--label <text>', 'a label to recognise the key by')
    .option('--key <value>', 'store this key value instead of generating one (idempotent)')
    .option('--yes', 'create without asking (needed when stdin is not a terminal)')
    .option('--json', 'print {"id","key","domain"} (builder: {"id","key","builder","domains"})')
    .action((options: CreateOptions) =>
      run(async () => {
        const args = [
          'create',
          ...(options.domain !== undefined ? ['--domain', options.domain] : []),
          ...(options.builder !== undefined ? ['--builder', options.builder] : []),
          ...(options.domains !== undefined ? ['--domains', options.domains] : []),
          ...(options.label !== undefined ? ['--label', options.label] : []),
          ...(options.key !== undefined ? ['--key', options.key] : []),
          ...(options.json ? ['--json'] : []),
        ];
        // An incomplete command line is refused by the tool before anything is asked.
        if (options.domain === undefined && (options.builder === undefined || options.domains === undefined)) return runCompiledEntry(apikeyEntry, args);
        const owner = options.builder !== undefined ? `builder ${options.builder} reading ${options.domains}` : `domain ${options.domain}`;
        const stop = await confirmWrite({
          command: 'apikey create',
          yes: options.yes === true,
          changes: [`store a new API key for ${owner} in ${databaseName(readEnvironment().databases.gateway)} (printed once)${options.key !== undefined ? ' with the value given (nothing if it exists)' : ''}`],
        });
        return stop ?? runCompiledEntry(apikeyEntry, args);
      }),
    );

  apikey
    .command('list')
    .description('list keys: id, kind, prefix, domain(s), label, created, revoked (never the keys)')
    .option('--domain <domain>', 'only the keys that can read this domain (its domain keys and builder keys)')
    .option('--builder <name>', "only this builder's keys")
    .option('--json', 'print a JSON array')
    .action((options: { domain?: string; builder?: string; json?: boolean }) =>
      run(async () =>
        runCompiledEntry(apikeyEntry, [
          'list',
          ...(options.domain !== undefined ? ['--domain', options.domain] : []),
          ...(options.builder !== undefined ? ['--builder', options.builder] : []),
          ...(options.json ? ['--json'] : []),
        ]),
      ),
    );

  apikey
    .command('revoke')
    .description('revoke a key by id, prefix or the key itself')
    .argument('<reference>', 'id, prefix or key')
    .option('--yes', 'revoke without asking (needed when stdin is not a terminal)')
    .option('--json', 'print the revoked key as JSON')
    .action((reference: string, options: { json?: boolean; yes?: boolean }) =>
      run(async () => {
        const stop = await confirmWrite({
          command: 'apikey revoke',
          yes: options.yes === true,
          changes: [`revoke the key ${reference.slice(0, 12)}… in ${databaseName(readEnvironment().databases.gateway)}: the gateway refuses it within a second`],
        });
        return stop ?? runCompiledEntry(apikeyEntry, ['revoke', reference, ...(options.json ? ['--json'] : [])]);
      }),
    );
}
