// Contracts are class-validator classes: their decorators need the metadata polyfill in every child.
import 'reflect-metadata';
import { LoadConfig } from './load-types';

/**
 * Entry point of the bench's child processes (dist/tools/bench/src/load-child.js): reads one
 * LoadConfig as JSON from the BENCH_LOAD_CONFIG environment variable, runs it, and prints the
 * result as the last line of stdout. Loads run here, not in the bench process, so the load
 * generator never shares an event loop with a responder or subscriber it measures.
 */
async function main(): Promise<void> {
  const config = JSON.parse(process.env['BENCH_LOAD_CONFIG'] ?? 'null') as LoadConfig | null;
  if (!config) throw new Error('BENCH_LOAD_CONFIG is not set');
  switch (config.mode) {
    case 'http': {
      const { runHttpLoad } = await import('./http-load');
      return print(await runHttpLoad(config));
    }
    case 'nats': {
      const { runNatsLoad } = await import('./nats-load');
      return print(await runNatsLoad(config));
    }
    case 'relay': {
      const { runRelay } = await import('./relay-child');
      return runRelay(config);
    }
    case 'naive': {
      const { runNaiveService } = await import('./naive-service');
      return runNaiveService(config);
    }
    case 'copyfold': {
      const { runCopyFold } = await import('./copy-fold');
      return print(await runCopyFold(config));
    }
  }
}

function print(result: object): void {
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ...result, cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100 })}\n`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench load child failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
