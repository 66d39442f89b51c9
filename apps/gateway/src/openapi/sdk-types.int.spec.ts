import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createOpenApiDocument } from './openapi-document';

// The SDK's generated files (libs/sdk/src/generated: openapi-typescript's types and the table of
// operations) are committed; they must be exactly what the live document generates, so the SDK
// never drifts from the API. On a failure: `npm run openapi`, then commit the result.

const root = join(__dirname, '..', '..', '..', '..');

/**
 * tools/scripts/openapi.js's files for `document`, rendered in a plain Node process: openapi-typescript
 * loads ES-only modules with require(), which Node 20.19+ does and jest's module runtime does not.
 */
function renderSdkFiles(document: unknown): Record<string, string> {
  const directory = mkdtempSync(join(tmpdir(), 'sdk-types-'));
  try {
    const file = join(directory, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const script = `require(${JSON.stringify(join(root, 'tools', 'scripts', 'openapi.js'))}).renderSdkFiles(JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'))).then((files) => process.stdout.write(JSON.stringify(files)))`;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    if (result.status !== 0) throw new Error(`rendering the SDK files failed (exit ${result.status}): ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, string>;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

it('the committed SDK types and operation table are what the gateway document generates', async () => {
  const files = renderSdkFiles(await createOpenApiDocument());
  expect(Object.keys(files).map((file) => relative(root, file)).sort()).toEqual(['libs/sdk/src/generated/openapi.ts', 'libs/sdk/src/generated/operations.ts']);
  for (const [file, generated] of Object.entries(files)) {
    const committed = readFileSync(file, 'utf8');
    // One line of difference is enough to say which file and where; the whole file would drown it.
    const lines = committed.split('\n');
    const firstDifference = generated.split('\n').findIndex((line, index) => line !== lines[index]);
    expect({ file: relative(root, file), firstDifference, line: generated.split('\n')[firstDifference] }).toEqual({
      file: relative(root, file),
      firstDifference: -1,
      line: undefined,
    });
    expect(committed).toBe(generated);
  }
}, 60_000);
