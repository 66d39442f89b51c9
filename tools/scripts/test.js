// `npm test`: the whole suite on the real PostgreSQL and NATS. Builds (the end-to-end tests run
// the compiled services), lints with Nx module boundaries as errors, then runs every jest test:
// *.unit.spec.ts (pure), *.int.spec.ts (real PostgreSQL/NATS), *.e2e.spec.ts (the started system).
// Extra arguments go to jest (`npm test -- apps/ledger`).
const { spawnSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { build } = require('./build');

const root = path.join(__dirname, '..', '..');
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);

function reachable(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.end(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function run(label, args, env = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', ...env } });
  process.stdout.write(`== ${label}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (result.status !== 0) process.exit(result.status || 1);
}

async function main() {
  for (const [name, port] of [['PostgreSQL', 5432], ['NATS', 4222]]) {
    if (!(await reachable(port))) {
      process.stderr.write(`${name} is not reachable on 127.0.0.1:${port}; the tests need the real server (see README).\n`);
      process.exit(1);
    }
  }
  const started = Date.now();
  process.stdout.write('== build\n');
  build();
  const jestArgs = process.argv.slice(2);
  if (jestArgs.length === 0) {
    run('project graph', [bin('nx', 'dist/bin/nx.js'), 'show', 'projects', '--json'], { NX_NO_CLOUD: 'true' });
    run('lint (Nx module boundaries as errors)', [bin('eslint', 'bin/eslint.js'), '--max-warnings', '0', 'apps', 'libs', 'tools']);
  }
  run('jest', [bin('jest', 'bin/jest.js'), '--maxWorkers=2', ...jestArgs]);
  process.stdout.write(`\nnpm test: all green in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

main();
