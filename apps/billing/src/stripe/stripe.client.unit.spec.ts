import { stripeClientOptions } from './stripe.client';

describe('stripeClientOptions', () => {
  it('points the SDK at a stand-in URL', () => {
    expect(stripeClientOptions('http://127.0.0.1:12111')).toMatchObject({ host: '127.0.0.1', port: 12111, protocol: 'http', maxNetworkRetries: 2, telemetry: false });
  });

  it('defaults the port from the protocol', () => {
    expect(stripeClientOptions('https://stripe-mock.internal/')).toMatchObject({ host: 'stripe-mock.internal', port: 443, protocol: 'https' });
  });

  it('leaves host, port and protocol to the SDK for the real Stripe', () => {
    const options = stripeClientOptions('stripe');
    expect(options).toMatchObject({ maxNetworkRetries: 2, telemetry: false });
    expect(options).not.toHaveProperty('host');
    expect(options).not.toHaveProperty('port');
    expect(options).not.toHaveProperty('protocol');
  });
});
