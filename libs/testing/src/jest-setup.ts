// Runs before every test file (jest `setupFiles`): each jest worker gets its own subject
// namespace, so integration tests on the shared NATS server never see each other's messages.
import 'reflect-metadata';
if (!process.env['HUB_NAMESPACE']) process.env['HUB_NAMESPACE'] = `t${process.pid}`;
// Services started in-process by tests log JSON at warn and above unless a test asks for more.
process.env['LOG_LEVEL'] ??= 'warn';
