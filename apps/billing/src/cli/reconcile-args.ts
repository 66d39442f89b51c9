import { ReconcileReport } from '@credit-hub/contracts';

/** What `npm run reconcile -- …` asked for. */
export type ReconcileArgs = { ok: true; since: string; json: boolean; process: boolean } | { ok: false; help: boolean; message: string };

export const reconcileUsage = `usage: npm run reconcile -- --since <3d|12h|90m|ISO time> [--json] [--no-process]

Lists Stripe's events of the window, processes those billing's inbox lacks (lost webhooks), and
reports paid checkout sessions and plan invoices with no matching ledger event, and the reverse.
  --since       window ending now on Stripe's clock (at most 90 days)
  --json        print the report as one JSON line
  --no-process  only list the missing events
Exit: 0 all matched, 1 findings, 64 usage, 65 refused (bad window, Stripe unavailable), 69 unreachable, 75 timeout.
Environment: NATS_URL (nats://127.0.0.1:4222), HUB_NAMESPACE, RECONCILE_TIMEOUT_MS (120000).`;

/** Parses the command line (without `node` and the script). */
export function parseReconcileArgs(argv: string[]): ReconcileArgs {
  let since: string | undefined;
  let json = false;
  let process = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { ok: false, help: true, message: reconcileUsage };
    if (arg === '--json') json = true;
    else if (arg === '--no-process') process = false;
    else if (arg === '--since') since = argv[++i];
    else if (arg.startsWith('--since=')) since = arg.slice('--since='.length);
    else return { ok: false, help: false, message: `unknown argument ${arg}\n${reconcileUsage}` };
  }
  if (since === undefined || since === '') return { ok: false, help: false, message: `--since is required\n${reconcileUsage}` };
  return { ok: true, since, json, process };
}

/** The report for a person. */
export function formatReport(report: ReconcileReport): string {
  const processed = report.eventsProcessed.map((event) => `\n    ${event.id} ${event.type}: ${event.outcome}`).join('');
  const findings = report.findings.map((finding) => `\n    ${finding.kind} ${finding.id}${finding.email ? ` (${finding.email})` : ''}: ${finding.detail}`).join('');
  return [
    `reconcile ${report.from} → ${report.to} (Stripe's clock)`,
    `  Stripe events        ${report.eventsListed} listed, ${report.eventsMissing.length} missing from billing's inbox${processed}`,
    `  paid pack sessions   ${report.paidSessions} (ledger purchases in the window: ${report.ledgerPurchases})`,
    `  paid plan invoices   ${report.paidInvoices} (ledger plan grants in the window: ${report.ledgerPlanGrants})`,
    `  findings             ${report.findings.length === 0 ? 'none: Stripe, billing and the ledger agree' : report.findings.length}${findings}`,
    `  ${report.ok ? 'ok' : 'NOT OK'}`,
    '',
  ].join('\n');
}
