// `npm run ops -- <command>` (dist/tools/ops/src/main.js): the operator CLI. See ./program.ts.
import 'reflect-metadata';
import { ExitCode, processOutput } from './output';

async function main(): Promise<number> {
  // HUB_NAMESPACE is read when @credit-hub/contracts loads: check it first, so a bad value is a
  // one-line message rather than a stack trace from an import.
  const namespace = process.env['HUB_NAMESPACE'] ?? '';
  if (namespace !== '' && !/^[A-Za-z0-9]{1,32}$/.test(namespace)) {
    processOutput.err(`ops: HUB_NAMESPACE must be 1-32 letters or digits, got ${JSON.stringify(namespace)}`);
    return ExitCode.failed;
  }
  const { runOps } = await import('./program');
  return runOps(process.argv.slice(2), processOutput);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`ops: ${error.stack ?? error.message}\n`);
    process.exitCode = ExitCode.failed;
  },
);
