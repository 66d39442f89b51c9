// Runs before every test file (jest `setupFiles`): each jest worker gets its own subject
// namespace, so integration tests on the shared NATS server never see each other's messages.
import 'reflect-metadata';
if (!process.env['HUB_NAMESPACE']) process.env['HUB_NAMESPACE'] = `t${process.pid}`;
