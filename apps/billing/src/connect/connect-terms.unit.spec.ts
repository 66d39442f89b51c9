import { connectedAccountStatus, packApplicationFeeMinor, planApplicationFeePercent } from './connect-terms';

describe('packApplicationFeeMinor', () => {
  it.each([
    [4900, 500, 245],
    [999, 500, 49], // 49.95 rounds down
    [1, 9999, 0],
    [100, 10_000, 100],
    [0, 500, 0],
    [4900, 0, 0],
    [Number.MAX_SAFE_INTEGER, 10_000, Number.MAX_SAFE_INTEGER], // no float rounding at the top of the range
  ])('%d minor at %d bps → %d', (amount, bps, fee) => {
    expect(packApplicationFeeMinor(amount, bps)).toBe(fee);
  });

  it.each([[-1, 500], [1.5, 500], [100, -1], [100, 10_001], [100, 2.5]])('refuses amount %d, bps %d', (amount, bps) => {
    expect(() => packApplicationFeeMinor(amount, bps)).toThrow(RangeError);
  });
});

describe('planApplicationFeePercent', () => {
  it('is bps / 100, two decimals at most', () => {
    expect(planApplicationFeePercent(525)).toBe(5.25);
    expect(planApplicationFeePercent(1)).toBe(0.01);
    expect(planApplicationFeePercent(10_000)).toBe(100);
    expect(() => planApplicationFeePercent(10_001)).toThrow(RangeError);
  });
});

describe('connectedAccountStatus', () => {
  it.each([
    [{ chargesEnabled: false, detailsSubmitted: false, disconnected: false }, 'onboarding'],
    [{ chargesEnabled: false, detailsSubmitted: true, disconnected: false }, 'restricted'],
    [{ chargesEnabled: true, detailsSubmitted: false, disconnected: false }, 'onboarding'],
    [{ chargesEnabled: true, detailsSubmitted: true, disconnected: false }, 'ready'],
    [{ chargesEnabled: true, detailsSubmitted: true, disconnected: true }, 'disconnected'],
  ] as const)('%j → %s', (flags, status) => {
    expect(connectedAccountStatus(flags)).toBe(status);
  });
});
