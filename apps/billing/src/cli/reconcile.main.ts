import 'reflect-metadata';
import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { BillingSubscriptionSubjects, ReconcileCommand, ReconcileReport, Reply } from '@credit-hub/contracts';
import { formatReport, parseReconcileArgs } from './reconcile-args';

/**
 * `npm run reconcile -- --since 3d` (dist/apps/billing/src/cli/reconcile.main.js): asks a running
 * billing service (NATS request/reply, `billing.commands.reconcile.v1`) to reconcile, and prints
 * its report. Exit 0 all matched, 1 findings, 2 refused, 3 could not run.
 */
async function main(): Promise<number> {
  const args = parseReconcileArgs(process.argv.slice(2));
  if (!args.ok) {
    (args.help ? process.stdout : process.stderr).write(`${args.message}\n`);
    return args.help ? 0 : 3;
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
      return 2;
    }
    process.stdout.write(args.json ? `${JSON.stringify(reply.value)}\n` : formatReport(reply.value));
    return reply.value.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`reconcile could not run: ${(error as Error).message} (is billing running on ${servers.join(',')}?)\n`);
    return 3;
  } finally {
    await client.close();
  }
}

main().then((code) => process.exit(code));
