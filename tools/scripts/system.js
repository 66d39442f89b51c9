// Starts the whole system as child processes: the local Stripe stand-in and the five services,
// each with its own database, on the given ports, in an optional NATS subject namespace.
// Used by `npm start`, by the end-to-end tests (random ports, fresh databases, own namespace)
// and by the demo. Plain CommonJS so it runs without a build step of its own.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const { localSecrets } = require('./secrets');
const register = path.join(__dirname, 'register-paths.js');

/** Default ports of `npm start`. */
const defaultPorts = { gateway: 3000, ledger: 3011, billing: 3012, refunds: 3014, analytics: 3015, standin: 12111 };

/** Returns a free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `url` answers 200, or throws after `timeoutMs`. */
async function waitHealthy(name, url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was healthy`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${name} not healthy at ${url} after ${timeoutMs} ms (${last})`);
}

/**
 * What the stand-in's Stripe schema check recorded (STRIPE_STANDIN_CONTRACT_SCHEMAS, set by jest's
 * global setup); [] when it is off or the stand-in is not running.
 */
async function contractViolations(standinUrl, child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return [];
  try {
    const response = await fetch(`${standinUrl}/test/contract-violations`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? (await response.json()).violations || [] : [];
  } catch {
    return [];
  }
}

/**
 * Starts the system. Options: { ports?: 'default'|'random', namespace?: string, databasePrefix?: string,
 * postgresBaseUrl?, natsUrl?, webhookSecret?, connectWebhookSecret?, logDir?, env?, serviceEnv?, nodeArgs? } (serviceEnv: extra
 * variables per service name, e.g. { ledger: { NATS_USER: 'ledger', NATS_PASSWORD: '…' } }; nodeArgs:
 * extra node flags per service name, e.g. { gateway: ['--cpu-prof'] }).
 * Returns { urls, ports, databases, env, processes, stop() }.
 */
async function startSystem(options = {}) {
  const ports = {};
  for (const name of Object.keys(defaultPorts)) ports[name] = options.ports === 'random' ? await freePort() : defaultPorts[name];
  const postgres = options.postgresBaseUrl || process.env.POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432';
  const prefix = options.databasePrefix || 'hub';
  const databases = {
    gateway: `${postgres}/${prefix}_gateway`,
    ledger: `${postgres}/${prefix}_ledger`,
    billing: `${postgres}/${prefix}_billing`,
    refunds: `${postgres}/${prefix}_refunds`,
    analytics: `${postgres}/${prefix}_analytics`,
  };
  const natsUrl = options.natsUrl || process.env.NATS_URL || 'nats://127.0.0.1:4222';
  // Secrets have no defaults in the services: the environment's, else this checkout's generated ones.
  const secrets = localSecrets();
  const webhookSecret = options.webhookSecret || process.env.STRIPE_WEBHOOK_SECRET || secrets.STRIPE_WEBHOOK_SECRET;
  const connectWebhookSecret = options.connectWebhookSecret || process.env.STRIPE_CONNECT_WEBHOOK_SECRET || secrets.STRIPE_CONNECT_WEBHOOK_SECRET;
  const logDir = options.logDir || path.join(root, 'tmp', 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const common = { ...secrets, ...process.env, NATS_URL: natsUrl, HTTP_HOST: '127.0.0.1', HUB_NAMESPACE: options.namespace || '', ...(options.env || {}) };
  const standinUrl = `http://127.0.0.1:${ports.standin}`;
  const specs = [
    { name: 'stripe-standin', main: 'dist/tools/stripe-standin/src/main.js', health: `${standinUrl}/test/health`,
      env: { STRIPE_STANDIN_PORT: ports.standin, STRIPE_WEBHOOK_URL: `http://127.0.0.1:${ports.gateway}/webhooks/stripe`, STRIPE_WEBHOOK_SECRET: webhookSecret,
             STRIPE_CONNECT_WEBHOOK_URL: `http://127.0.0.1:${ports.gateway}/webhooks/stripe/connect`, STRIPE_CONNECT_WEBHOOK_SECRET: connectWebhookSecret } },
    { name: 'ledger', main: 'dist/apps/ledger/src/main.js', health: `http://127.0.0.1:${ports.ledger}/health`,
      env: { LEDGER_HTTP_PORT: ports.ledger, LEDGER_DATABASE_URL: databases.ledger } },
    { name: 'billing', main: 'dist/apps/billing/src/main.js', health: `http://127.0.0.1:${ports.billing}/health`,
      env: { BILLING_HTTP_PORT: ports.billing, BILLING_DATABASE_URL: databases.billing, STRIPE_API_BASE_URL: standinUrl,
             STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_CONNECT_WEBHOOK_SECRET: connectWebhookSecret, CATALOG_FILE: path.join(root, 'deploy', 'catalog', 'demo.json') } },
    { name: 'refunds', main: 'dist/apps/refunds/src/main.js', health: `http://127.0.0.1:${ports.refunds}/health`,
      env: { REFUNDS_HTTP_PORT: ports.refunds, REFUNDS_DATABASE_URL: databases.refunds } },
    { name: 'feedback-analytics', main: 'dist/apps/feedback-analytics/src/main.js', health: `http://127.0.0.1:${ports.analytics}/health`,
      env: { ANALYTICS_HTTP_PORT: ports.analytics, ANALYTICS_DATABASE_URL: databases.analytics } },
    { name: 'gateway', main: 'dist/apps/gateway/src/main.js', health: `http://127.0.0.1:${ports.gateway}/health`,
      env: { GATEWAY_HTTP_PORT: ports.gateway, GATEWAY_DATABASE_URL: databases.gateway, STRIPE_CONNECT_WEBHOOK_SECRET: connectWebhookSecret } },
  ];
  const processes = {};
  const system = {
    ports, databases, natsUrl, webhookSecret, connectWebhookSecret, logDir, processes,
    urls: { gateway: `http://127.0.0.1:${ports.gateway}`, standin: standinUrl, docs: `http://127.0.0.1:${ports.gateway}/docs` },
    env: common,
    async stop(signal = 'SIGTERM') {
      const violations = await contractViolations(standinUrl, processes['stripe-standin']);
      const alive = Object.values(processes).filter((p) => p.exitCode === null && p.signalCode === null);
      await Promise.all(alive.map((p) => new Promise((resolve) => {
        const timer = setTimeout(() => { p.kill('SIGKILL'); }, 10_000);
        p.once('exit', () => { clearTimeout(timer); resolve(); });
        p.kill(signal);
      })));
      if (violations.length > 0) {
        throw new Error(`The Stripe stand-in produced ${violations.length} response(s)/event(s) outside Stripe's schema:\n${violations.map((v) => `- ${v.source} (as ${v.schema}):\n    ${v.errors.join('\n    ')}`).join('\n')}`);
      }
    },
  };
  try {
    // Services migrate and create streams at boot; start them one by one so two never race on a stream.
    for (const spec of specs) {
      const log = fs.openSync(path.join(logDir, `${spec.name}.log`), 'a');
      const env = { ...common };
      for (const [k, v] of Object.entries(spec.env)) env[k] = String(v);
      for (const [k, v] of Object.entries((options.serviceEnv && options.serviceEnv[spec.name]) || {})) env[k] = String(v);
      const nodeArgs = (options.nodeArgs && options.nodeArgs[spec.name]) || [];
      const child = spawn(process.execPath, [...nodeArgs, '-r', register, path.join(root, spec.main)], { cwd: root, env, stdio: ['ignore', log, log] });
      fs.closeSync(log);
      processes[spec.name] = child;
      await waitHealthy(spec.name, spec.health, 60_000, child);
    }
  } catch (error) {
    await system.stop('SIGKILL');
    throw error;
  }
  return system;
}

/** Runs the gateway's API key CLI with the system's environment; returns its stdout. */
function runApiKeyCli(system, args) {
  return runNode('dist/apps/gateway/src/cli/apikey.main.js', args, { ...system.env, GATEWAY_DATABASE_URL: system.databases.gateway });
}

/** Runs the ledger's replay CLI; resolves { code, stdout, stderr }. */
function runReplay(system, args = []) {
  return runNode('dist/apps/ledger/src/replay/replay.main.js', args, { ...system.env, LEDGER_DATABASE_URL: system.databases.ledger }, true);
}

function runNode(main, args, env, resolveOnFailure = false) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', register, path.join(root, main), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      if (resolveOnFailure) resolve({ code, stdout, stderr });
      else if (code === 0) resolve(stdout);
      else reject(new Error(`${main} ${args.join(' ')} exited ${code}: ${stderr || stdout}`));
    });
  });
}

module.exports = { startSystem, runApiKeyCli, runReplay, freePort, waitHealthy, defaultPorts, root };
