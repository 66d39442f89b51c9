import { Command } from 'commander';
import { fold, RecordedEvent, stateToSnapshot } from '@credit-hub/ledger-domain';
import { confirmWrite } from '@credit-hub/service-kit';
import { connectDatabase } from '../connections';
import { databaseName, readEnvironment } from '../env';
import { ExitCode, Output, parsePositiveInteger } from '../output';
import { AccountSelection, chooseAccounts, renderVerifyReport, verifyAccounts } from '../verify/accounts';

/**
 * `ops snapshot take|verify`. Account snapshots live in ledger_snapshots (stream, version, the
 * whole folded state as jsonb, taken_at, verified_at). The ledger takes one in the append
 * transaction every LEDGER_SNAPSHOT_EVERY events of an account; `take` takes them now for the
 * chosen accounts; `verify` checks each account's latest snapshot + its tail folded against the
 * full fold, and the full fold against the projection rows, then marks the sound snapshots
 * verified (the only write), which is what `replay --from-snapshots` starts from.
 */
export function snapshotCommand(program: Command, output: Output, run: (work: () => Promise<number>) => Promise<void>): void {
  const snapshot = program
    .command('snapshot')
    .description('account snapshots (ledger_snapshots): take them now, or verify them against the full fold');

  snapshot
    .command('take')
    .description("fold each chosen account's whole stream and store the state as a snapshot at its current version")
    .option('--customer <email>', 'only this customer (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--domain <domain>', 'only accounts with events on this domain')
    .option('--replace', 'overwrite an existing snapshot at the same version (one snapshot verify flagged); it is unverified until verified again')
    .option('--yes', 'write without asking (needed when stdin is not a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Reads in one REPEATABLE READ transaction (no locks: the ledger keeps serving) and writes one row per
account at the version it folded to. An existing snapshot at that version is kept, unless --replace:
then it is overwritten with the fold (and marked unverified: run snapshot verify). That is how a
snapshot flagged by snapshot verify is taken again. The ledger also takes snapshots itself every
LEDGER_SNAPSHOT_EVERY events of an account (default 10000).
Exit codes: 0 done; 1 a --customer not found; 64 usage or no --yes off a terminal; 69/78 could not run.
Environment: LEDGER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_ledger).`,
    )
    .action((options: TakeOptions) => run(() => take(options, output)));

  snapshot
    .command('verify')
    .description("check each chosen account's latest snapshot + tail against the full fold, and the fold against its projection rows")
    .option('--customer <email>', 'only this customer (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--domain <domain>', 'only accounts with events on this domain')
    .option('--sample <n>', 'a random sample of n accounts (default: every account)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
For each chosen account: its whole stream is folded with @credit-hub/ledger-domain's fold (the ledger's
own code); its latest snapshot (ledger_snapshots) folded on with the events after it must equal that
fold, field by field; and the fold is compared with ledger_accounts (balance, version, owed credits),
ledger_lots, ledger_consumptions and ledger_reservations (the projection rows commands load from);
the fold's invariants are checked. Read in one REPEATABLE READ transaction, no locks. Afterwards the
sound snapshots are marked verified (ledger_snapshots.verified_at): replay --from-snapshots starts
only from verified snapshots. Repair projections with npm run ops -- replay.
Its only write is that mark (verified_at), the outcome of the check itself: it needs no --yes.
Exit codes: 0 all equal and sound; 1 differences (or a --customer not found); 65 an invariant broke
in the events themselves; 69/78 could not run.
Environment: LEDGER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hub_ledger).`,
    )
    .action((options: { customer?: string[]; domain?: string; sample?: string; json?: boolean }) => run(() => verify(options, output)));
}

/** Accounts are folded and snapshotted this many at a time. */
const takeChunk = 500;

interface TakeOptions {
  customer?: string[];
  domain?: string;
  replace?: boolean;
  yes?: boolean;
  json?: boolean;
}

async function take(options: TakeOptions, output: Output): Promise<number> {
  const selection: AccountSelection = {};
  if (options.customer) selection.customers = options.customer;
  if (options.domain !== undefined) selection.domain = options.domain;
  const env = readEnvironment();
  const which = options.customer ? `the accounts of ${options.customer.join(', ')}` : options.domain !== undefined ? `every account with events on ${options.domain}` : 'every account';
  const stop = await confirmWrite({
    command: 'snapshot take',
    yes: options.yes === true,
    changes: [
      `store a snapshot of ${which} in ${databaseName(env.databases.ledger)}.ledger_snapshots at its current version` +
        (options.replace ? ', OVERWRITING an existing snapshot at that version (marked unverified)' : ' (an existing one at that version is kept)'),
    ],
  });
  if (stop !== null) return stop;
  const client = await connectDatabase(env.databases.ledger, 'snapshot-take');
  const started = Date.now();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const { streamIds, notFound } = await chooseAccounts(client, selection);
    let taken = 0;
    let events = 0;
    for (let offset = 0; offset < streamIds.length; offset += takeChunk) {
      const chunk = streamIds.slice(offset, offset + takeChunk);
      const { rows } = await client.query(
        'SELECT event_id, stream_id, version, type, data FROM ledger_events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version', [chunk]);
      const byStream = new Map<string, RecordedEvent[]>();
      for (const row of rows) {
        const list = byStream.get(row.stream_id) ?? [];
        list.push({ type: row.type, data: row.data, eventId: row.event_id, version: row.version } as RecordedEvent);
        byStream.set(row.stream_id, list);
      }
      const ids: string[] = [];
      const versions: number[] = [];
      const states: string[] = [];
      for (const [streamId, list] of byStream) {
        const state = fold(list);
        events += list.length;
        ids.push(streamId);
        versions.push(state.version);
        states.push(JSON.stringify(stateToSnapshot(state)));
      }
      const inserted = await client.query(
        `INSERT INTO ledger_snapshots (stream_id, version, state)
         SELECT * FROM unnest($1::text[], $2::int[], $3::jsonb[]) AS s(stream_id, version, state)
         ON CONFLICT (stream_id, version) DO ${options.replace ? 'UPDATE SET state = EXCLUDED.state, taken_at = now(), verified_at = NULL' : 'NOTHING'}`,
        [ids, versions, states],
      );
      taken += inserted.rowCount ?? 0;
    }
    await client.query('COMMIT');
    const result = {
      accounts: streamIds.length,
      snapshotsTaken: taken,
      alreadyTaken: streamIds.length - taken,
      replaced: options.replace === true,
      events,
      notFound,
      elapsedMs: Date.now() - started,
    };
    if (options.json) output.out(JSON.stringify(result));
    else {
      output.out(`snapshot take: ${result.accounts} accounts, ${events} events folded, ${taken} snapshots taken (${result.alreadyTaken} already at their version) in ${result.elapsedMs} ms`);
      for (const email of notFound) output.out(`NOT FOUND ${email}: no events and no account row`);
      output.out('Verify them (and mark them usable by replay --from-snapshots) with: npm run ops -- snapshot verify');
    }
    return notFound.length > 0 ? ExitCode.found : ExitCode.ok;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function verify(options: { customer?: string[]; domain?: string; sample?: string; json?: boolean }, output: Output): Promise<number> {
  const selection: AccountSelection = {};
  if (options.customer) selection.customers = options.customer;
  if (options.domain !== undefined) selection.domain = options.domain;
  if (options.sample !== undefined) selection.sample = parsePositiveInteger('--sample', options.sample);
  const env = readEnvironment();
  const client = await connectDatabase(env.databases.ledger, 'snapshot-verify');
  try {
    const report = await verifyAccounts(client, selection, (done, total) => {
      if (!options.json && total > 2000 && process.stderr.isTTY) process.stderr.write(`verify: ${done}/${total} accounts\r`);
    }, { checkSnapshots: true });
    const checked = report.snapshots ?? [];
    const sound = checked.filter((s) => s.sound);
    if (checked.length > 0) {
      // Sound snapshots become usable by replay --from-snapshots; a differing one stops being so.
      await client.query(
        `UPDATE ledger_snapshots s SET verified_at = CASE WHEN v.sound THEN now() ELSE NULL END
           FROM unnest($1::text[], $2::int[], $3::boolean[]) AS v(stream_id, version, sound)
          WHERE s.stream_id = v.stream_id AND s.version = v.version`,
        [checked.map((s) => s.streamId), checked.map((s) => s.version), checked.map((s) => s.sound)],
      );
    }
    if (options.json) output.out(JSON.stringify(report));
    else {
      for (const line of renderVerifyReport(report, 'snapshot verify')) output.out(line);
      output.out(`${checked.length} snapshots checked against the full fold: ${sound.length} sound (marked verified), ${checked.length - sound.length} differ`);
    }
    if (report.violations.length > 0) return ExitCode.data;
    return report.differences.length > 0 || report.notFound.length > 0 ? ExitCode.found : ExitCode.ok;
  } finally {
    await client.end();
  }
}
