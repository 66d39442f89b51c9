/**
 * The operator CLI's environment: the same variables, with the same defaults, as the services
 * (apps/<service>/src/<service>.config.ts and libs/service-kit/src/base-config.ts), so `npm run ops`
 * run next to a service sees what that service sees.
 */

/** The service databases the CLI knows about, by service. */
export const serviceDatabases = {
  gateway: { variable: 'GATEWAY_DATABASE_URL', fallback: 'postgres://postgres@127.0.0.1:5432/hub_gateway', outbox: false },
  ledger: { variable: 'LEDGER_DATABASE_URL', fallback: 'postgres://postgres@127.0.0.1:5432/hub_ledger', outbox: true },
  billing: { variable: 'BILLING_DATABASE_URL', fallback: 'postgres://postgres@127.0.0.1:5432/hub_billing', outbox: true },
  refunds: { variable: 'REFUNDS_DATABASE_URL', fallback: 'postgres://postgres@127.0.0.1:5432/hub_refunds', outbox: true },
  analytics: { variable: 'ANALYTICS_DATABASE_URL', fallback: 'postgres://postgres@127.0.0.1:5432/hub_analytics', outbox: false },
} as const;

export type ServiceName = keyof typeof serviceDatabases;

/** What the CLI reads from the environment. */
export interface OpsEnvironment {
  /** `HUB_NAMESPACE`: subjects get `<ns>.`, stream names `_<NS>` (libs/contracts/src/subjects.ts). */
  namespace: string;
  /** `NATS_URL`: comma-separated server URLs. */
  natsServers: string[];
  /** Optional NATS credentials of the operator user (deploy/nats: user `ops`). */
  natsUser?: string;
  natsPassword?: string;
  /** Optional CA bundle to verify the NATS servers' TLS certificates. */
  natsTlsCaFile?: string;
  databases: Record<ServiceName, string>;
}

const postgresUrl = /^postgres(ql)?:\/\/[^\s/]+\/[A-Za-z0-9_]+(\?.*)?$/;
const natsUrl = /^(nats|tls):\/\/[^\s,]+$/;

/** A variable that is set but malformed; the message names it. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** Reads and checks the environment; throws EnvironmentError naming a malformed variable. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): OpsEnvironment {
  const namespace = value(env, 'HUB_NAMESPACE') ?? '';
  if (namespace !== '' && !/^[A-Za-z0-9]{1,32}$/.test(namespace)) {
    throw new EnvironmentError(`HUB_NAMESPACE must be 1-32 letters or digits, got ${JSON.stringify(namespace)}`);
  }
  const natsServers = (value(env, 'NATS_URL') ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim());
  for (const server of natsServers) {
    if (!natsUrl.test(server)) throw new EnvironmentError(`NATS_URL must be nats://host:port[,nats://…], got ${JSON.stringify(server)}`);
  }
  const databases = {} as Record<ServiceName, string>;
  for (const [service, spec] of Object.entries(serviceDatabases) as [ServiceName, (typeof serviceDatabases)[ServiceName]][]) {
    const url = value(env, spec.variable) ?? spec.fallback;
    if (!postgresUrl.test(url)) throw new EnvironmentError(`${spec.variable} must be postgres://user@host:port/database`);
    databases[service] = url;
  }
  const natsUser = value(env, 'NATS_USER');
  const natsPassword = value(env, 'NATS_PASSWORD');
  const natsTlsCaFile = value(env, 'NATS_TLS_CA_FILE');
  return {
    namespace,
    natsServers,
    databases,
    ...(natsUser === undefined ? {} : { natsUser }),
    ...(natsPassword === undefined ? {} : { natsPassword }),
    ...(natsTlsCaFile === undefined ? {} : { natsTlsCaFile }),
  };
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The database name of a PostgreSQL URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}
