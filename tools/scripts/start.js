// `npm start`: builds, then runs the whole system on this machine: the local Stripe stand-in and
// the five services (each migrates its database and ensures its JetStream streams at boot; billing
// loads the demo catalog), creates the demo API key (DEMO_API_KEY if set, else a new one), and
// prints where everything is. Ctrl-C stops every service gracefully.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { build } = require('./build');
const { startSystem, runApiKeyCli, root } = require('./system');

function reachable(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.end(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function main() {
  for (const [name, port, hint] of [
    ['PostgreSQL', 5432, 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'],
    ['NATS', 4222, 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log'],
  ]) {
    if (!(await reachable(port))) {
      process.stderr.write(`${name} is not reachable on 127.0.0.1:${port}. Start it with:\n  ${hint}\n`);
      process.exit(1);
    }
  }
  process.stdout.write('building…\n');
  build();
  process.stdout.write('starting the Stripe stand-in and the five services (logs in tmp/logs/)…\n');
  const system = await startSystem({ ports: 'default' });
  const args = ['create', '--domain', 'demo.localhost', '--label', 'demo', '--json'];
  if (process.env.DEMO_API_KEY) args.push('--key', process.env.DEMO_API_KEY);
  const created = JSON.parse(await runApiKeyCli(system, args));
  fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(root, 'tmp', 'demo-api-key'), `${created.key}\n`, { mode: 0o600 });
  process.stdout.write(
    [
      '',
      'credit-hub is running',
      `  gateway      ${system.urls.gateway}`,
      `  API docs     ${system.urls.docs}`,
      `  Stripe stand-in ${system.urls.standin}`,
      `  demo domain  demo.localhost (offerings starter_3, pro_100, team_1000)`,
      `  API key      ${created.key}   (also in tmp/demo-api-key)`,
      '',
      'try:',
      `  curl -s -X POST ${system.urls.gateway}/api/billing/checkout -H "Authorization: Bearer ${created.key}" -H 'content-type: application/json' \\`,
      `    -d '{"domain":"demo.localhost","offeringId":"starter_3","email":"you@example.com","successUrl":"http://localhost/ok","cancelUrl":"http://localhost/no"}'`,
      '  npm run demo      (in another terminal: 50 customers through checkout, consumption and replay)',
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping…\n');
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const [name, child] of Object.entries(system.processes)) {
    child.on('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`${name} exited (${code ?? signal}); see tmp/logs/${name}.log\n`);
    });
  }
}

main().catch((error) => {
  process.stderr.write(`npm start failed: ${error.message}\n`);
  process.exit(1);
});
