import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '@credit-hub/contracts';
import { errorTableDocuments, errorTableMarkers, renderErrorTable, withErrorTable } from './error-table';

const root = join(__dirname, '..', '..', '..');

describe('error tables generated from the problem codes', () => {
  it('lists every code of ErrorCodes once, with its status', () => {
    const table = renderErrorTable();
    for (const [code, spec] of Object.entries(ErrorCodes)) {
      const rows = table.split('\n').filter((line) => line.startsWith(`| \`${code}\` |`));
      expect({ code, rows: rows.length, status: rows[0]?.split('|')[2]?.trim() }).toEqual({ code, rows: 1, status: String(spec.status) });
    }
  });

  it.each(errorTableDocuments)('%s carries the generated table (run `npm run docs:errors` after adding a code)', (relative) => {
    const document = readFileSync(join(root, relative), 'utf8');
    expect(document).toContain(errorTableMarkers.begin);
    expect(withErrorTable(document, renderErrorTable())).toBe(document);
  });

  it('refuses a document without markers', () => {
    expect(() => withErrorTable('# no table here\n', renderErrorTable())).toThrow(/markers are missing/);
  });
});

describe('the README example', () => {
  it('uses a fresh referenceId per run and says references are unique per domain', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const consume = readme.split('\n').filter((line) => line.includes('"referenceId"'));
    expect(consume.length).toBeGreaterThan(0);
    for (const line of consume) expect(line).not.toMatch(/"referenceId":"[A-Za-z0-9_-]+"/);
    expect(readme).toMatch(/unique per domain/);
  });
});
