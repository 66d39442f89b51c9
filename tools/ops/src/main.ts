// `npm run ops -- <command>` (dist/tools/ops/src/main.js): the operator CLI. See ./program.ts.
import 'reflect-metadata';

/** EX_CONFIG (libs/service-kit cli.ts), before that library is loaded. */
const configExitCode = 78;
/** EX_SOFTWARE. */
const softwareExitCode = 70;

async function main(): Promise<number> {
  // HUB_NAMESPACE is read when @credit-hub/contracts loads: check it first, so a bad value is a
  // one-line message rather than a stack trace from an import.
  const namespace = process.env['HUB_NAMESPACE'] ?? '';
  if (namespace !== '' && !/^[A-Za-z0-9]{1,32}$/.test(namespace)) {
    process.stderr.write(`ops: HUB_NAMESPACE must be 1-32 letters or digits, got ${JSON.stringify(namespace)}\n`);
    return configExitCode;
  }
  const { exitQuietlyOnBrokenPipe } = await import('@credit-hub/service-kit');
  exitQuietlyOnBrokenPipe(); // `ops streams info --all | head -1`
  const { processOutput } = await import('./output');
  const { runOps } = await import('./program');
  return runOps(process.argv.slice(2), processOutput);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`ops: ${error.stack ?? error.message}\n`);
    process.exitCode = softwareExitCode;
  },
);
