// Compiles apps, libs and tools to dist/ with tsc (incremental). Exits non-zero on type errors.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

function build() {
  const root = path.join(__dirname, '..', '..');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('build failed: see the TypeScript errors above\n');
    process.exit(result.status || 1);
  }
}

module.exports = { build };
if (require.main === module) build();
