import 'reflect-metadata';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { BillingSubscriptionSubjects, ReconcileCommand, ReconcileReport, Reply } from '@credit-hub/contracts';
import { classifyError, ExitCode, exitQuietlyOnBrokenPipe } from '@credit-hub/service-kit';
import { formatReport, parseReconcileArgs } from './reconcile-args';

/**
 * dist/apps/billing/src/cli/reconcile.main.js: asks a running billing service (NATS request/reply,
 * `billing.commands.reconcile.v1`) to reconcile, and prints its report. The operator command is
 * `npm run ops -- reconcile` (alias `npm run reconcile`), which asks --yes before processing;
 * this entry point is kept for scripts and tests. Exit codes (libs/service-kit cli.ts): 0 all
 * matched, 1 findings, 64 usage, 65 refused, 69 unreachable, 75 timeout.
 */
async function main(): Promise<number> {
  const args = parseReconcileArgs(process.argv.slice(2));
  if (!args.ok) {
    (args.help ? process.stdout : process.stderr).write(`${args.message}\n`);
    return args.help ? ExitCode.ok : ExitCode.usage;
  }
  const servers = (process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222').split(',');
  const timeoutMs = Number(process.env['RECONCILE_TIMEOUT_MS'] ?? 120_000);
  const client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers, name: 'reconcile-cli' } });
  try {
    await client.connect();
    const command: ReconcileCommand = { since: args.since, process: args.process };
    const reply = await firstValueFrom(client.send<Reply<ReconcileReport>>(BillingSubscriptionSubjects.reconcile, command).pipe(timeout(timeoutMs)));
    if (!reply.ok) {
      process.stderr.write(`reconcile refused: ${reply.refusal.code}: ${reply.refusal.detail}\n`);
      return ExitCode.data;
    }
    process.stdout.write(args.json ? `${JSON.stringify(reply.value)}\n` : formatReport(reply.value));
    return reply.value.ok ? ExitCode.ok : ExitCode.found;
  } catch (error) {
    process.stderr.write(`reconcile could not run: ${(error as Error).message} (is billing running on ${servers.join(',')}?)\n`);
    const { code } = classifyError(error);
    return code === ExitCode.software ? ExitCode.unavailable : code;
  } finally {
    await client.close();
  }
}

exitQuietlyOnBrokenPipe();
main().then((code) => process.exit(code));
