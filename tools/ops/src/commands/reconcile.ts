import { randomUUID } from 'node:crypto';
import { subject } from '@credit-hub/contracts';
import { Command } from 'commander';
import { ErrorCode, NatsError } from 'nats';
import { confirmWrite, parseDuration } from '@credit-hub/service-kit';
import { connectOps } from '../connections';
import { readEnvironment } from '../env';
import { ExitCode, Output, parseSince } from '../output';

/** The request/reply subject billing serves reconciliation on (queue group `billing`). */
export const reconcileSubject = 'billing.commands.reconcile.v1';

/** Array fields of a report that list problems; any non-empty one makes the exit code 1 (when the report has no `ok`). */
const problemFields = ['findings', 'differences', 'mismatches', 'discrepancies', 'missing', 'missingInLedger', 'missingInStripe', 'unmatched', 'problems'];

/** Billing's ReconcileReport (libs/contracts billing/subscription-model.ts), as far as the CLI prints it. */
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
    .option('--list-only', 'only list the Stripe events billing missed; do not process them (process: false): read-only')
    .option('--timeout <duration>', 'how long to wait for billing (it pages through Stripe): 90s, 5m', '120s')
    .option('--yes', 'process the missed events without asking (needed without --list-only when stdin is not a terminal)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Sends {"since": …, "process": …} to ${reconcileSubject} and prints billing's report: for a window ending
now on Stripe's clock, the Stripe events billing's inbox lacked (lost webhooks; processed now, as if
delivered, unless --list-only: that is the write this command asks --yes for), and Stripe's paid pack
sessions and plan invoices of the window compared both ways with the ledger's purchases and plan
grants of the same window on Stripe's clock (so a Stripe test clock moved forward, as the demo does,
does not widen one side). Billing accepts windows of up to 90 days.
Exit codes: 0 reconciled, nothing to report; 1 the report lists findings; 64 usage or no --yes off a
terminal; 65 billing refused the window; 69 NATS unreachable or no billing answers; 70 billing failed;
75 billing did not answer within --timeout.
Environment: NATS_URL, HUB_NAMESPACE (NATS_USER, NATS_PASSWORD, NATS_TLS_CA_FILE on a secured cluster).`,
    )
    .action((options: ReconcileOptions) => run(() => reconcile(options, output)));
}

interface ReconcileOptions {
  since: string;
  listOnly?: boolean;
  timeout: string;
  json?: boolean;
  yes?: boolean;
}

async function reconcile(options: ReconcileOptions, output: Output): Promise<number> {
  const since = parseSince(options.since);
  const sinceSent = /^\d{1,4}[dhm]$/.test(options.since.trim()) ? options.since.trim() : since.toISOString();
  const timeoutMs = parseDuration('--timeout', options.timeout);
  const target = subject(reconcileSubject);
  if (!options.listOnly) {
    const stop = await confirmWrite({
      command: 'reconcile',
      yes: options.yes === true,
      changes: [`process, as if their webhooks had arrived, the Stripe events since ${since.toISOString()} that billing's inbox lacks (credits purchases, grants, refunds they carry); --list-only lists them without processing`],
    });
    if (stop !== null) return stop;
  }
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
            'the contract: ReconcileCommand {since, process?} → Reply<ReconcileReport> (libs/contracts billing/reconcile.ts)',
          ],
        };
        if (options.json) output.out(JSON.stringify(missing));
        else {
          output.err(`reconcile: no billing instance answers on ${target} (no responders): billing is not running (or runs a version without reconciliation). Missing:`);
          for (const line of missing.missing) output.err(`  - ${line}`);
        }
        return ExitCode.unavailable;
      }
      if (code === ErrorCode.Timeout) {
        output.err(`reconcile: billing did not answer within ${timeoutMs / 1000} s (raise --timeout for long ranges)`);
        return ExitCode.tempfail;
      }
      throw error;
    }
    const answer = JSON.parse(raw) as { err?: unknown; response?: unknown };
    if (answer.err !== undefined && answer.err !== null) {
      output.err(`reconcile: billing failed: ${JSON.stringify(answer.err)}`);
      return ExitCode.software;
    }
    const reply = answer.response as { ok?: boolean; value?: unknown; refusal?: { code: string; detail?: string } } | undefined;
    if (reply && reply.ok === false) {
      output.err(`reconcile: refused: ${reply.refusal?.code ?? '?'}${reply.refusal?.detail ? ` (${reply.refusal.detail})` : ''}`);
      return reply.refusal?.code === 'stripe_unavailable' ? ExitCode.unavailable : ExitCode.data;
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
