import { Command } from 'commander';
import { runCompiledEntry } from '../connections';

const apikeyEntry = 'dist/apps/gateway/src/cli/apikey.main.js';

/**
 * `ops apikey create|list|revoke`: the gateway's API key tool (domain keys, and builder keys that
 * read the analytics of several domains) (apps/gateway/src/cli), run as its
 * compiled entry point with the same arguments, so there is one implementation of key handling.
 */
export function apikeyCommand(program: Command, run: (work: () => Promise<number>) => Promise<void>): void {
  const apikey = program
    .command('apikey')
    .description("manage the gateway's API keys: domain keys and builder keys (the gateway's apikey tool)")
    .addHelpText(
      'after',
      `
Keys are stored as SHA-256 hashes in the gateway database; a revoked key stops working within a second.
Exit codes are the gateway tool's: 0 ok, 64 usage, 65 refused (unknown key, bad domain), 69 database
unreachable, 78 bad configuration.
Environment: GATEWAY_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_gateway); the database is
created and migrated if needed.`,
    );

  apikey
    .command('create')
    .description('create an API key for a domain (--domain), or a builder key reading several domains (--builder --domains), and print it once')
    .option('--domain <domain>', 'the domain (product) the key belongs to')
    .option('--builder <name>', 'create a builder key (chk_bld_…) for this builder: analytics of --domains only')
    .option('--domains <a.com,b.com>', "the builder key's domains, comma-separated")
    .option('--label <text>', 'a label to recognise the key by')
    .option('--key <value>', 'store this key value instead of generating one (idempotent)')
    .option('--json', 'print {"id","key","domain"} (builder: {"id","key","builder","domains"})')
    .action((options: { domain?: string; builder?: string; domains?: string; label?: string; key?: string; json?: boolean }) =>
      run(async () =>
        runCompiledEntry(apikeyEntry, [
          'create',
          ...(options.domain !== undefined ? ['--domain', options.domain] : []),
          ...(options.builder !== undefined ? ['--builder', options.builder] : []),
          ...(options.domains !== undefined ? ['--domains', options.domains] : []),
          ...(options.label !== undefined ? ['--label', options.label] : []),
          ...(options.key !== undefined ? ['--key', options.key] : []),
          ...(options.json ? ['--json'] : []),
        ]),
      ),
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
    .option('--json', 'print the revoked key as JSON')
    .action((reference: string, options: { json?: boolean }) =>
      run(async () => runCompiledEntry(apikeyEntry, ['revoke', reference, ...(options.json ? ['--json'] : [])])),
    );
}
