// `node tools/scripts/with-build.js dist/…/main.js [args…]`: builds, then runs the compiled entry
// point with the path aliases registered, passing the arguments and the exit code through.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { build } = require('./build');

const root = path.join(__dirname, '..', '..');
const [entry, ...args] = process.argv.slice(2);
if (!process.env.SKIP_BUILD) build();
const result = spawnSync(process.execPath, ['-r', path.join(__dirname, 'register-paths.js'), path.join(root, entry), ...args], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status === null ? 1 : result.status);
