import { spawnSync } from 'node:child_process';
import { Answer } from './http';
import { HubApi } from './hub-api';
import { retry } from './load';
import { HubSystem, StartOptions } from './system';

/**
 * What the fuzz, security and races end-to-end specs share: a started system with a key for each
 * of the two catalog domains (demo.localhost, notes.localhost), funded customers, and the
 * comparisons they make on answers.
 */

export const demo = 'demo.localhost';
export const notes = 'notes.localhost';

export interface SpecSystem {
  system: HubSystem;
  demoApi: HubApi;
  notesApi: HubApi;
  demoKey: { key: string; id: string };
  notesKey: { key: string; id: string };
}

/** Starts the system (shared PostgreSQL and NATS, own databases and namespace) with a key per domain. */
export async function startSpecSystem(label: string, options: StartOptions = {}): Promise<SpecSystem> {
  const system = await HubSystem.start(label, options);
  const demoKey = await system.createKey(demo, `${label}-demo`);
  const notesKey = await system.createKey(notes, `${label}-notes`);
  return {
    system,
    demoKey,
    notesKey,
    demoApi: new HubApi(system.urls.gateway, system.urls.standin, demoKey.key, demo),
    notesApi: new HubApi(system.urls.gateway, system.urls.standin, notesKey.key, notes),
  };
}

/** Buys an offering and waits until the ledger credited it (the balance reaches `atLeast`). */
export async function fundedCustomer(api: HubApi, email: string, offeringId: string, atLeast: number): Promise<void> {
  const bought = await api.buy(email, offeringId);
  if (!bought?.delivered) throw new Error(`buying ${offeringId} for ${email} failed`);
  const arrived = await retry(async () => ((await api.balance(email)).body?.balance >= atLeast ? true : undefined), 100, 100);
  if (!arrived) throw new Error(`${email} never got ${atLeast} credits`);
}

/**
 * Rows of every table of the ledger, billing, refunds and analytics databases (new tables of later
 * issues included): what must not move when a request is refused.
 */
export async function stateCounts(system: HubSystem): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const database of ['ledger', 'billing', 'refunds', 'analytics'] as const) {
    const tables = await system.query<{ name: string }>(
      database,
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`,
    );
    for (const { name } of tables) counts[`${database}.${name}`] = await system.count(database, `SELECT count(*) FROM "${name}"`);
  }
  return counts;
}

/** An answer with the ids it names replaced, so "another domain's X" can be compared with "no such X". */
export function normalized(answer: Answer, ids: string[]): { status: number; code: unknown; detail: string } {
  let detail = typeof answer.body?.detail === 'string' ? (answer.body.detail as string) : answer.text;
  for (const id of ids) detail = detail.split(id).join('<id>');
  return { status: answer.status, code: answer.body?.code, detail };
}

/** `pg_dump` of one database as text (schema and data). */
export function pgDump(databaseUrl: string): string {
  const result = spawnSync('pg_dump', ['--no-owner', '--dbname', databaseUrl], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`pg_dump failed: ${result.stderr}`);
  return result.stdout;
}
