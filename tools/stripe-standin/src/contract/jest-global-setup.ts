// Jest global setup (jest.config.js): makes (or reuses from tmp/stripe-schemas/) the JSON Schemas of
// the pinned `stripe` package and names them in STRIPE_STANDIN_CONTRACT_SCHEMAS, so every stand-in the
// suites start, in-process or as a child process of the system harness, checks what it produces.
// STRIPE_STANDIN_CONTRACT=off skips it (e.g. to debug something else quickly).
import path from 'node:path';
import { CONTRACT_SCHEMAS_ENV, StripeContract } from './contract';
import { loadOrGenerateStripeSchemas } from './stripe-schemas';

/**
 * Sets STRIPE_STANDIN_CONTRACT_SCHEMAS for the test run, generating the schemas and their precompiled
 * validators the first time (about 30 s; cached in tmp/stripe-schemas/).
 */
export default function stripeContractGlobalSetup(): void {
  if (process.env['STRIPE_STANDIN_CONTRACT'] === 'off' || process.env[CONTRACT_SCHEMAS_ENV]) return;
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  const bundle = loadOrGenerateStripeSchemas(path.join(root, 'tmp', 'stripe-schemas'));
  StripeContract.precompileValidators(bundle);
  process.env[CONTRACT_SCHEMAS_ENV] = bundle;
}
