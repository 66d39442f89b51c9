/**
 * `engines.node` of package.json says which Node.js versions the project runs on, and no installed
 * dependency (production or development, per package-lock.json) refuses any of them: our range
 * must be a subset of each dependency's own `engines.node`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as semver from 'semver';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
};

describe('engines', () => {
  it('names a Node.js range that includes the documented Node 20 (20.19+)', () => {
    expect(semver.validRange(manifest.engines.node)).not.toBeNull();
    expect(semver.satisfies('20.19.0', manifest.engines.node)).toBe(true);
    expect(semver.satisfies('20.18.0', manifest.engines.node)).toBe(false);
  });

  it('is accepted by every locked dependency that declares engines.node', () => {
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const engines = entry.engines;
      const node = engines && !Array.isArray(engines) ? engines.node : undefined;
      if (!path || !node || entry.optional) continue;
      if (!semver.subset(manifest.engines.node, node)) refusing.push(`${path.replace(/^node_modules\//, '')} wants node ${node}`);
    }
    expect(refusing).toEqual([]);
  });
});
