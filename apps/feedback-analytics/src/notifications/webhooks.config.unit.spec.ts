import { ConfigurationError, validateEnvironment } from '@credit-hub/service-kit';
import { WebhooksConfig } from './webhooks.config';

describe('WebhooksConfig', () => {
  it('defaults to 5 s … 8 h retries over 3 days, 10 s attempts, private URLs allowed (development)', () => {
    expect(validateEnvironment(WebhooksConfig, {})).toMatchObject({
      CATALOG_FILE: 'deploy/catalog/demo.json',
      WEBHOOK_RETRY_DELAYS_MS: '5000,30000,120000,600000,3600000,7200000,14400000,28800000',
      WEBHOOK_RETRY_HORIZON_MS: 259_200_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOKS_ALLOW_PRIVATE_URLS: true,
    });
  });

  it('reads the production settings', () => {
    const config = validateEnvironment(WebhooksConfig, { WEBHOOKS_ALLOW_PRIVATE_URLS: 'false', WEBHOOK_RETRY_DELAYS_MS: '200,400,800', WEBHOOK_TIMEOUT_MS: '5000' });
    expect(config).toMatchObject({ WEBHOOKS_ALLOW_PRIVATE_URLS: false, WEBHOOK_RETRY_DELAYS_MS: '200,400,800', WEBHOOK_TIMEOUT_MS: 5000 });
  });

  it.each([
    ['WEBHOOKS_ALLOW_PRIVATE_URLS', 'no'],
    ['WEBHOOK_RETRY_DELAYS_MS', '200, 400'],
    ['WEBHOOK_RETRY_DELAYS_MS', '-1'],
    ['WEBHOOK_RETRY_HORIZON_MS', '999'],
    ['WEBHOOK_TIMEOUT_MS', '60001'],
    ['WEBHOOK_WORKER_BATCH_SIZE', '0'],
  ])('stops the boot on %s=%s, naming it', (name, value) => {
    expect(() => validateEnvironment(WebhooksConfig, { [name]: value })).toThrow(ConfigurationError);
    expect(() => validateEnvironment(WebhooksConfig, { [name]: value })).toThrow(name);
  });
});
