import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The package as npm would publish it (libs/sdk/build.cjs): installed under node_modules of a
// fresh directory, `require('@credit-hub/sdk')` loads the CommonJS build and
// `import('@credit-hub/sdk')` the ES build, through the `exports` map, and both make a call.

const sdkRoot = join(__dirname, '..');
let directory: string;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sdk-package-'));
  const { buildSdk } = require(join(sdkRoot, 'build.cjs')) as { buildSdk: (outDir: string) => string };
  buildSdk(join(directory, 'package'));
  mkdirSync(join(directory, 'consumer', 'node_modules', '@credit-hub'), { recursive: true });
  symlinkSync(join(directory, 'package'), join(directory, 'consumer', 'node_modules', '@credit-hub', 'sdk'), 'dir');
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const broke = request.url?.includes('broke');
      response.writeHead(broke ? 402 : 200, { 'content-type': broke ? 'application/problem+json' : 'application/json', 'x-correlation-id': 'corr-package' });
      response.end(JSON.stringify(broke ? { code: 'insufficient_credits', detail: 'no credits', status: 402 } : { email: 'ada@example.com', balance: 3, lots: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(directory, { recursive: true, force: true });
});

/** A call and a refusal through the loaded module, as the consumer's program prints them. */
function program(load: string): string {
  return `${load}
const hub = new sdk.CreditHubClient({ baseUrl: ${JSON.stringify(baseUrl)}, apiKey: 'chk_dom_test', retries: 0 });
const balance = await hub.getBalance({ email: 'ada@example.com' });
const refused = await hub.getBalance({ email: 'broke@example.com' }).catch((error) => error);
console.log(JSON.stringify({ balance: balance.balance, error: refused.name, code: refused.code, correlationId: refused.correlationId, isHubError: refused instanceof sdk.CreditHubError }));`;
}

/** Runs node in the consumer directory; asynchronously, so this process's server can answer it. */
function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: join(directory, 'consumer'), encoding: 'utf8', timeout: 30_000 }, (_error, stdout, stderr) =>
      resolve({ stdout: stdout.trim(), stderr }),
    );
  });
}

const expected = { balance: 3, error: 'InsufficientCreditsError', code: 'insufficient_credits', correlationId: 'corr-package', isHubError: true };

it('has an exports map sending import to the ES build and require to the CommonJS build', () => {
  const manifest = JSON.parse(readFileSync(join(directory, 'package', 'package.json'), 'utf8'));
  expect(manifest.exports['.']).toEqual({
    import: { types: './esm/index.d.ts', default: './esm/index.js' },
    require: { types: './cjs/index.d.ts', default: './cjs/index.js' },
  });
  expect(JSON.parse(readFileSync(join(directory, 'package', 'esm', 'package.json'), 'utf8'))).toEqual({ type: 'module' });
  expect(readFileSync(join(directory, 'package', 'esm', 'index.d.ts'), 'utf8')).toContain("from './client.js'");
});

it('require() loads the CommonJS build', async () => {
  const result = await run(['-e', `(async () => { ${program("const sdk = require('@credit-hub/sdk');")} })()`]);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual(expected);
  expect((await run(['-p', "require.resolve('@credit-hub/sdk')"])).stdout).toMatch(/[\\/]cjs[\\/]index\.js$/);
});

it('import loads the ES module build', async () => {
  const result = await run(['--input-type=module', '-e', program("import * as sdk from '@credit-hub/sdk';")]);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual(expected);
  expect((await run(['--input-type=module', '-e', "console.log(import.meta.resolve('@credit-hub/sdk'))"])).stdout).toMatch(/\/esm\/index\.js$/);
});
