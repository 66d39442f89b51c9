import { StreamDefinition, Streams } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { analyticsLedgerDurable } from '../ledger/ledger-events.consumer';
import { usageEventOf } from '../usage/usage.events';
import { projectLedgerEvent } from '../usage/usage.projection';
import { readModelDurables } from './read-model.consumers';
import { billingEventId, ledgerEventId, projectBilling, projectLedger, projectRefund, refundEventId } from './read-model.projection';
import { readModelTables } from './read-model-tables';

/**
 * Every read model of feedback-analytics, registered once: its tables (with their keys), the
 * streams it reads (with the live durable consumer of each), and how to fold one message into its
 * tables. The rebuild (rebuild.ts: `npm run ops -- replay analytics`), the row-by-row comparison
 * and repair, and the table in docs/operations.md all come from this list, and
 * read-model.registry.unit.spec.ts fails when code of this app writes a table that is neither
 * registered here nor listed in `notReadModels` with the reason it is not rebuilt.
 */

/** One table of a read model; `key` is its primary key (rows are matched on it). */
export interface ReadModelTable {
  name: string;
  key: readonly string[];
}

/** A stream a read model reads, and the live durable consumer (also its inbox name) that feeds it. */
export interface ReadModelSource {
  stream: StreamDefinition;
  durable: string;
}

/** A read model: what it writes, what it reads, and its fold of one message. */
export interface ReadModelRegistration {
  name: string;
  /** What the read model answers (for docs and --help). */
  purpose: string;
  tables: readonly ReadModelTable[];
  sources: readonly ReadModelSource[];
  /** The inbox key the live consumer claims for a message: the rebuild folds each key once, as the live inbox does. */
  eventId(stream: StreamDefinition, subject: string, body: unknown, messageId: string): string;
  /**
   * Folds one message into the tables on the search path (unqualified names, so the rebuild can
   * fold into a shadow schema), exactly as the live consumer does. Throws on a malformed message
   * (the live consumer terminates it as poison; the rebuild skips it).
   */
  project(db: Queryable, stream: StreamDefinition, subject: string, body: unknown): Promise<void>;
}

const keyOf = (key: string) => key.split(',').map((column) => column.trim());

/** The credits, revenue, conversion, activity and refund-feedback read models (read-model.projection.ts). */
const dashboardReadModels: ReadModelRegistration = {
  name: 'dashboard',
  purpose: 'credits, revenue, checkout and trial conversion, returning customers, refund feedback (/api/analytics/*, /dashboard)',
  tables: readModelTables.map((table) => ({ name: table.name, key: keyOf(table.key) })),
  sources: [
    { stream: Streams.ledger, durable: readModelDurables.ledger },
    { stream: Streams.billing, durable: readModelDurables.billing },
    { stream: Streams.refunds, durable: readModelDurables.refunds },
  ],
  eventId: (stream, _subject, body, messageId) =>
    stream === Streams.ledger ? ledgerEventId(body) : stream === Streams.billing ? billingEventId(body, messageId) : refundEventId(body),
  project: (db, stream, subject, body) =>
    stream === Streams.ledger ? projectLedger(db, body) : stream === Streams.billing ? projectBilling(db, subject, body) : projectRefund(db, body),
};

/** Usage and purchases per domain and UTC day (usage/usage.projection.ts): the usage API. */
const usageReadModels: ReadModelRegistration = {
  name: 'usage',
  purpose: 'credits consumed per domain, UTC day and action type; purchases per domain, day and currency (/api/analytics/usage)',
  tables: [
    { name: 'usage_daily', key: ['domain', 'day', 'action_type'] },
    { name: 'purchases_daily', key: ['domain', 'day', 'currency'] },
  ],
  sources: [{ stream: Streams.ledger, durable: analyticsLedgerDurable }],
  eventId: (_stream, _subject, body) => ledgerEventId(body),
  project: async (db, _stream, _subject, body) => {
    const parsed = usageEventOf(body);
    if (parsed.kind === 'known') await projectLedgerEvent(db, parsed.event);
  },
};

/** Every read model, in the order the rebuild folds them. */
export const readModelRegistry: readonly ReadModelRegistration[] = [dashboardReadModels, usageReadModels];

/**
 * Tables of the analytics database that are not read models, and why the rebuild leaves them
 * alone. The coverage test accepts a written table only if it is registered or listed here.
 */
export const notReadModels: Readonly<Record<string, string>> = {
  inbox: "the consumers' idempotency keys: bookkeeping of the live consumers, which go on from where they are",
  webhook_inbox: "the webhook sender's idempotency keys (bookkeeping, like inbox)",
  webhook_endpoints: 'configuration written through the webhooks API, not derived from events',
  webhook_deliveries: 'deliveries already sent or scheduled: rebuilding them would send webhooks twice',
  webhook_attempts: 'the log of delivery attempts: history of what was sent, not derived from events',
  webhook_lots: "the webhook sender's lot → domain lookup, filled with its deliveries; kept with them (a lost webhook is redelivered from webhook_deliveries, docs/operations.md)",
  migrations: "TypeORM's record of applied migrations",
};

/** Every registered table, each once, with the registration it belongs to. */
export function registeredTables(): { registration: ReadModelRegistration; table: ReadModelTable }[] {
  return readModelRegistry.flatMap((registration) => registration.tables.map((table) => ({ registration, table })));
}

/** Every (stream, durable) the registered read models read, each once. */
export function registeredSources(): ReadModelSource[] {
  const seen = new Map<string, ReadModelSource>();
  for (const registration of readModelRegistry) for (const source of registration.sources) seen.set(`${source.stream.name}/${source.durable}`, source);
  return [...seen.values()];
}

/**
 * The registry as the Markdown table docs/operations.md shows between the markers
 * `<!-- read-model-registry:start -->` and `<!-- read-model-registry:end -->`
 * (read-model.registry.unit.spec.ts fails when the two disagree).
 */
export function readModelRegistryMarkdown(): string {
  const lines = ['| read model | tables (key) | streams (durable consumer) | answers |', '| --- | --- | --- | --- |'];
  for (const registration of readModelRegistry) {
    const tables = registration.tables.map((table) => `\`${table.name}\` (${table.key.join(', ')})`).join('<br>');
    const sources = registration.sources.map((source) => `${source.stream.name.replace(/_[A-Z0-9]+$/, '')} (\`${source.durable}\`)`).join(', ');
    lines.push(`| ${registration.name} | ${tables} | ${sources} | ${registration.purpose} |`);
  }
  lines.push('', 'Not read models (left alone by the rebuild):', '');
  for (const [table, reason] of Object.entries(notReadModels)) lines.push(`- \`${table}\`: ${reason}`);
  return lines.join('\n');
}
