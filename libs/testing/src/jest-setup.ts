// Runs before every test file (jest `setupFiles`): each jest worker gets its own subject
// namespace, so integration tests on the shared NATS server never see each other's messages.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
if (!process.env['HUB_NAMESPACE']) process.env['HUB_NAMESPACE'] = `t${process.pid}`;
// Services started in-process by tests log JSON at warn and above unless a test asks for more.
process.env['LOG_LEVEL'] ??= 'warn';
// Services started in-process need their secrets, which have no defaults (docs/operations.md,
// "Secrets"): random ones per test file, unless a test sets its own.
const randomSecret = () => randomBytes(32).toString('base64url');
process.env['PORTAL_TOKEN_SECRET'] ??= randomSecret();
process.env['STRIPE_SECRET_KEY'] ??= `sk_test_${randomBytes(24).toString('hex')}`;
process.env['STRIPE_WEBHOOK_SECRET'] ??= `whsec_${randomSecret()}`;
