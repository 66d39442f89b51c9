/**
 * Command line of `npm run apikey`, parsed by hand (no dependency):
 *   create --domain X [--key VALUE] [--label L] [--json]
 *   create --builder NAME --domains A,B [--key VALUE] [--label L] [--json]
 *   list [--domain X] [--builder NAME] [--json]
 *   revoke <id|prefix|key> [--json]
 */
export type ApiKeyCommand =
  | { command: 'create'; domain: string; key?: string; label?: string; json: boolean }
  | { command: 'create-builder'; builder: string; domains: string[]; key?: string; label?: string; json: boolean }
  | { command: 'list'; domain?: string; builder?: string; json: boolean }
  | { command: 'revoke'; reference: string; json: boolean }
  | { command: 'help' };

export const apiKeyUsage = `Usage: npm run apikey -- <command>

  create --domain <domain> [--key <chk_dom_…>] [--label <text>] [--json]
      Creates an API key for a domain and prints it once. With --key, stores that value
      (idempotent: an existing key of the same domain is reported, not duplicated).
      --json prints {"id","key","domain"}.
  create --builder <name> --domains <a.com,b.com> [--key <chk_bld_…>] [--label <text>] [--json]
      Creates a builder key: it reads the analytics (/api/analytics/*, /dashboard) of all the listed
      domains and nothing else (no consume, refund or checkout). --json prints {"id","key","builder","domains"}.
  list [--domain <domain>] [--builder <name>] [--json]
      Lists keys (id, kind, prefix, domain(s), label, created, revoked); keys themselves are never
      stored. --domain: the keys that can read that domain (its domain keys and builder keys).
  revoke <id | prefix | key> [--json]
      Revokes a key; the gateway refuses it within a second.

Environment: GATEWAY_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_gateway).
The database must exist and be migrated (the gateway does both when it starts); this tool creates nothing.`;

/** A malformed command line; the message says what is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const valueOptions = { create: ['domain', 'builder', 'domains', 'key', 'label'], list: ['domain', 'builder'], revoke: [] } as const;

/** Parses `argv` (without node and script). Throws UsageError. */
export function parseApiKeyArgs(argv: readonly string[]): ApiKeyCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    throw new UsageError(`unknown command ${JSON.stringify(command)} (expected create, list or revoke)`);
  }
  const { options, positionals, json, help } = splitOptions(rest, valueOptions[command]);
  if (help) return { command: 'help' };
  if (command === 'create') {
    if (positionals.length > 0) throw new UsageError(`create takes no positional arguments, got ${positionals.join(' ')}`);
    const domain = options.get('domain');
    const builder = options.get('builder');
    const domains = options.get('domains');
    const key = options.get('key');
    const label = options.get('label');
    const extras = { ...(key === undefined ? {} : { key }), ...(label === undefined ? {} : { label }) };
    if (builder !== undefined) {
      if (domain !== undefined) throw new UsageError('a builder key takes --domains <a.com,b.com>, not --domain');
      if (domains === undefined) throw new UsageError('create --builder needs --domains <a.com,b.com>');
      const list = domains.split(',').map((d) => d.trim()).filter((d) => d.length > 0);
      if (list.length === 0) throw new UsageError('--domains needs at least one domain');
      return { command: 'create-builder', builder, domains: list, json, ...extras };
    }
    if (domains !== undefined) throw new UsageError('--domains is for builder keys: add --builder <name>');
    if (domain === undefined) throw new UsageError('create needs --domain <domain> (or --builder <name> --domains <a.com,b.com>)');
    return { command, domain, json, ...extras };
  }
  if (command === 'list') {
    if (positionals.length > 0) throw new UsageError(`list takes no positional arguments, got ${positionals.join(' ')}`);
    const domain = options.get('domain');
    const builder = options.get('builder');
    return { command, json, ...(domain === undefined ? {} : { domain }), ...(builder === undefined ? {} : { builder }) };
  }
  const [reference, ...extra] = positionals;
  if (reference === undefined || reference === '') throw new UsageError('revoke needs the id or prefix of a key');
  if (extra.length > 0) throw new UsageError(`revoke takes one key, got ${positionals.join(' ')}`);
  return { command, reference, json };
}

function splitOptions(
  args: readonly string[],
  allowed: readonly string[],
): { options: Map<string, string>; positionals: string[]; json: boolean; help: boolean } {
  const options = new Map<string, string>();
  const positionals: string[] = [];
  let json = false;
  let help = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = arg.slice(2, equals === -1 ? undefined : equals);
      if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
      if (options.has(name)) throw new UsageError(`--${name} given twice`);
      const value = equals === -1 ? args[++index] : arg.slice(equals + 1);
      if (value === undefined || (equals === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else positionals.push(arg);
  }
  return { options, positionals, json, help };
}
