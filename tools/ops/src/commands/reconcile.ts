import { randomUUID } from 'node:crypto';
import { subject } from '@credit-hub/contracts';
import { Command } from 'commander';
import { ErrorCode, NatsError } from 'nats';
import { connectOps } from '../connections';
import { readEnvironment } from '../env';
import { ExitCode, Output, parsePositiveInteger, parseSince } from '../output';

/** The request/reply subject billing serves reconciliation on (queue group `billing`). */
export const reconcileSubject = 'billing.commands.reconcile.v1';

/** Array fields of a report that list problems; any non-empty one makes the exit code 1 (when the report has no `ok`). */
const problemFields = ['findings', 'differences', 'mismatches', 'discrepancies', 'missing', 'missingInLedger', 'missingInStripe', 'unmatched', 'problems'];

/** Billing's ReconcileReport (libs/contracts billing-subscriptions.ts), as far as the CLI prints it. */
interface ReconcileReportView {
  from: string;
  to: string;
  eventsListed: number;
  eventsMissing: string[];
  eventsProcessed: { id: string; type: string; outcome: string }[];
  paidSessions: number;
  paidInvoices: number;
  ledgerPurchases: number;
  ledgerPlanGrants: number;
  findings: { kind: string; id: string; email: string | null; detail: string }[];
  ok: boolean;
}

/**
 * `ops reconcile --since 3d`: asks billing to reconcile Stripe with the hub over NATS
 * request/reply and prints its report.
 *
 * Contract (libs/contracts `ReconcileCommand` / `ReconcileReport`): request `{ since, process? }`
 * on `billing.commands.reconcile.v1` through Nest's NATS transport (packet `{pattern, data, id}`),
 * answered `{ ok: true, value: ReconcileReport }` or `{ ok: false, refusal: { code, detail } }`.
 * `since` goes as given when billing accepts that form (`3d`, `12h`, `90m`, ISO-8601), else as
 * the ISO time it means. Exit 1 when the report is not ok (findings, or Stripe unreadable).
 */
export function reconcileCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  program
    .command('reconcile')
    .description('reconcile Stripe payments and refunds with the ledger (asks billing over NATS)')
    .requiredOption('--since <time>', 'from this time: ISO-8601, or an age such as 90m, 12h, 3d, 2w')
    .option('--list-only', 'only list the Stripe events billing missed; do not process them (process: false)')
    .option('--timeout <seconds>', 'how long to wait for billing (it pages through Stripe)', '120')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Sends {"since": …, "process": …} to ${reconcileSubject} and prints billing's report: for a window ending
now, the Stripe events billing's inbox lacked (lost webhooks; processed now unless --list-only), and
Stripe's paid pack sessions and plan invoices compared both ways with the ledger's purchases and plan
grants. Billing accepts windows of up to 90 days. If no billing instance serves that subject (NATS
answers "no responders"), billing does not offer reconciliation (yet): the command says so, exits 2.
Exit codes: 0 reconciled, nothing to report; 1 the report lists differences; 2 billing does not offer
reconciliation yet; 3 NATS unreachable, timeout, or billing failed.
Environment: NATS_URL, HUB_NAMESPACE (NATS_USER, NATS_PASSWORD, NATS_TLS_CA_FILE on a secured cluster).`,
    )
    .action((options: ReconcileOptions) => run(() => reconcile(options, output)));
}

interface ReconcileOptions {
  since: string;
  listOnly?: boolean;
  timeout: string;
  json?: boolean;
}

async function reconcile(options: ReconcileOptions, output: Output): Promise<number> {
  const since = parseSince(options.since);
  const sinceSent = /^\d{1,4}[dhm]$/.test(options.since.trim()) ? options.since.trim() : since.toISOString();
  const timeoutMs = parsePositiveInteger('--timeout', options.timeout) * 1000;
  const target = subject(reconcileSubject);
  const nc = await connectOps(readEnvironment());
  try {
    const data = { since: sinceSent, ...(options.listOnly ? { process: false } : {}) };
    const packet = { pattern: target, data, id: randomUUID() };
    let raw: string;
    try {
      const reply = await nc.request(target, Buffer.from(JSON.stringify(packet)), { timeout: timeoutMs });
      raw = Buffer.from(reply.data).toString('utf8');
    } catch (error) {
      const code = (error as NatsError).code;
      if (code === ErrorCode.NoResponders) {
        const missing = {
          available: false,
          subject: target,
          missing: [
            `a billing instance serving ${reconcileSubject} (billing's ReconcileController, queue group billing): is billing running, and a version with reconciliation?`,
            'the contract: ReconcileCommand {since, process?} → Reply<ReconcileReport> (libs/contracts billing-subscriptions.ts)',
          ],
        };
        if (options.json) output.out(JSON.stringify(missing));
        else {
          output.err(`reconcile: no billing instance answers on ${target} (no responders): billing is not running, or runs a version without reconciliation. Missing:`);
          for (const line of missing.missing) output.err(`  - ${line}`);
        }
        return ExitCode.unavailable;
      }
      if (code === ErrorCode.Timeout) {
        output.err(`reconcile: billing did not answer within ${timeoutMs / 1000} s (raise --timeout for long ranges)`);
        return ExitCode.failed;
      }
      throw error;
    }
    const answer = JSON.parse(raw) as { err?: unknown; response?: unknown };
    if (answer.err !== undefined && answer.err !== null) {
      output.err(`reconcile: billing failed: ${JSON.stringify(answer.err)}`);
      return ExitCode.failed;
    }
    const reply = answer.response as { ok?: boolean; value?: unknown; refusal?: { code: string; detail?: string } } | undefined;
    if (reply && reply.ok === false) {
      output.err(`reconcile: refused: ${reply.refusal?.code ?? '?'}${reply.refusal?.detail ? ` (${reply.refusal.detail})` : ''}`);
      return ExitCode.failed;
    }
    const report = reply && 'value' in reply ? reply.value : reply;
    if (options.json) output.out(JSON.stringify(report));
    else if (isReconcileReport(report)) for (const line of renderReport(report)) output.out(line);
    else {
      output.out(`reconciliation since ${since.toISOString()}:`);
      output.out(JSON.stringify(report, null, 2));
    }
    if (isReconcileReport(report)) return report.ok ? ExitCode.ok : ExitCode.found;
    return problemCount(report) > 0 ? ExitCode.found : ExitCode.ok;
  } finally {
    await nc.close().catch(() => undefined);
  }
}

function isReconcileReport(report: unknown): report is ReconcileReportView {
  const r = report as Partial<ReconcileReportView> | null;
  return r !== null && typeof r === 'object' && typeof r.ok === 'boolean' && Array.isArray(r.findings) && typeof r.from === 'string';
}

/** The human form of billing's report. */
export function renderReport(r: ReconcileReportView): string[] {
  const lines = [
    `reconciliation ${r.from} .. ${r.to}`,
    `  Stripe events listed ${r.eventsListed}, missing from billing's inbox ${r.eventsMissing.length}, processed now ${r.eventsProcessed.length}`,
    `  paid pack sessions ${r.paidSessions} / ledger purchases ${r.ledgerPurchases}; paid plan invoices ${r.paidInvoices} / ledger plan grants ${r.ledgerPlanGrants}`,
  ];
  for (const e of r.eventsProcessed) lines.push(`  PROCESSED ${e.id} ${e.type}: ${e.outcome}`);
  const processed = new Set(r.eventsProcessed.map((e) => e.id));
  for (const id of r.eventsMissing.filter((id) => !processed.has(id))) lines.push(`  MISSING   ${id} (listed only)`);
  for (const f of r.findings) lines.push(`  FINDING   ${f.kind} ${f.id}${f.email ? ` (${f.email})` : ''}: ${f.detail}`);
  lines.push(r.ok ? 'ok: Stripe, billing and the ledger agree' : `NOT OK: ${r.findings.length} findings`);
  return lines;
}

/** Items in the report's problem lists. */
export function problemCount(report: unknown): number {
  if (report === null || typeof report !== 'object') return 0;
  let count = 0;
  for (const field of problemFields) {
    const value = (report as Record<string, unknown>)[field];
    if (Array.isArray(value)) count += value.length;
  }
  return count;
}
