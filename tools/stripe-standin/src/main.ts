// CLI entry: `npm run stripe-standin` (or `npx ts-node tools/stripe-standin/src/main.ts`).
// Env: STRIPE_STANDIN_PORT (12111), STRIPE_STANDIN_HOST (127.0.0.1), STRIPE_STANDIN_PUBLIC_URL (own URL),
// STRIPE_WEBHOOK_URL (http://127.0.0.1:3000/webhooks/stripe), STRIPE_WEBHOOK_SECRET (whsec_local_standin_secret),
// STRIPE_CONNECT_WEBHOOK_URL (STRIPE_WEBHOOK_URL + '/connect'), STRIPE_CONNECT_WEBHOOK_SECRET (none: Connect events are not delivered),
// STRIPE_STANDIN_CONTRACT_SCHEMAS (a schema bundle: check responses and events against Stripe's schema; see README).
import { STANDIN_DEFAULTS, startStripeStandin } from './standin';

/** Reads a TCP port from the environment; exits with a message on a bad value. */
function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`[stripe-standin] ${name} must be a port number (0-65535), got '${raw}'`);
    process.exit(1);
  }
  return port;
}

/** Starts the stand-in from environment variables and stops it on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  const webhookUrl = process.env.STRIPE_WEBHOOK_URL || STANDIN_DEFAULTS.webhookUrl;
  const standin = await startStripeStandin({
    port: portFromEnv('STRIPE_STANDIN_PORT', STANDIN_DEFAULTS.port),
    host: process.env.STRIPE_STANDIN_HOST || STANDIN_DEFAULTS.host,
    publicUrl: process.env.STRIPE_STANDIN_PUBLIC_URL || undefined,
    webhookUrl,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || STANDIN_DEFAULTS.webhookSecret,
    connectWebhookUrl: process.env.STRIPE_CONNECT_WEBHOOK_URL || undefined,
    connectWebhookSecret: process.env.STRIPE_CONNECT_WEBHOOK_SECRET || undefined,
    // The system harness reads GET /test/contract-violations before it stops the process.
    contractViolations: 'record',
  });
  console.log(`[stripe-standin] listening on ${standin.url}, delivering webhooks to ${webhookUrl}`);
  const stop = (): void => {
    standin.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('[stripe-standin] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
