// Currencies as Stripe accepts them: the ISO 4217 codes Stripe supports for card payments, and the
// minimum amount a charge must have in each currency that Stripe lists one for.
// Sources: https://docs.stripe.com/currencies (supported currencies, zero-decimal currencies) and
// https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts (minimum charge amounts).
import { invalidRequest } from './errors';

/** Lower-case ISO 4217 codes Stripe supports for card payments (docs.stripe.com/currencies). */
export const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set([
  'usd', 'aed', 'afn', 'all', 'amd', 'ang', 'aoa', 'ars', 'aud', 'awg', 'azn', 'bam', 'bbd', 'bdt', 'bgn', 'bhd', 'bif', 'bmd', 'bnd', 'bob',
  'brl', 'bsd', 'bwp', 'byn', 'bzd', 'cad', 'cdf', 'chf', 'clp', 'cny', 'cop', 'crc', 'cve', 'czk', 'djf', 'dkk', 'dop', 'dzd', 'egp', 'etb',
  'eur', 'fjd', 'fkp', 'gbp', 'gel', 'gip', 'gmd', 'gnf', 'gtq', 'gyd', 'hkd', 'hnl', 'htg', 'huf', 'idr', 'ils', 'inr', 'isk', 'jmd', 'jod',
  'jpy', 'kes', 'kgs', 'khr', 'kmf', 'krw', 'kwd', 'kyd', 'kzt', 'lak', 'lbp', 'lkr', 'lrd', 'lsl', 'mad', 'mdl', 'mga', 'mkd', 'mmk', 'mnt',
  'mop', 'mur', 'mvr', 'mwk', 'mxn', 'myr', 'mzn', 'nad', 'ngn', 'nio', 'nok', 'npr', 'nzd', 'omr', 'pab', 'pen', 'pgk', 'php', 'pkr', 'pln',
  'pyg', 'qar', 'ron', 'rsd', 'rub', 'rwf', 'sar', 'sbd', 'scr', 'sek', 'sgd', 'shp', 'sle', 'sos', 'srd', 'std', 'szl', 'thb', 'tjs', 'tnd',
  'top', 'try', 'ttd', 'twd', 'tzs', 'uah', 'ugx', 'uyu', 'uzs', 'vnd', 'vuv', 'wst', 'xaf', 'xcd', 'xcg', 'xof', 'xpf', 'yer', 'zar', 'zmw',
]);

/**
 * Minimum charge amount per currency, in minor units (Stripe's table; JPY is zero-decimal, HUF is
 * charged in two decimals). Currencies without an entry have no minimum the stand-in checks (Stripe
 * applies the settlement currency's minimum after conversion, which the stand-in does not model).
 */
export const MINIMUM_CHARGE_AMOUNTS: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50, gbp: 30, hkd: 400, huf: 17500,
  inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200, ron: 200, sek: 300, sgd: 50, thb: 1000,
};

/**
 * A currency param (any case) as Stripe stores it, lower case; 400 `parameter_invalid_string`-style
 * `invalid_request_error` naming `param` when it is not a currency Stripe supports (`zzz`).
 */
export function checkCurrency(raw: string, param: string): string {
  const currency = raw.toLowerCase();
  if (!SUPPORTED_CURRENCIES.has(currency)) {
    throw invalidRequest(`Invalid currency: ${currency}. Stripe currently supports these currencies: ${[...SUPPORTED_CURRENCIES].join(', ')}`, { param });
  }
  return currency;
}

/**
 * Refuses an amount due below the currency's minimum charge amount, as Checkout does ("The Checkout
 * Session's total amount due must add up to at least $0.50 usd"): 400 `amount_too_small` on `param`.
 * `amount` is in minor units.
 */
export function checkMinimumCharge(amount: number, currency: string, param: string): void {
  const minimum = MINIMUM_CHARGE_AMOUNTS[currency];
  if (minimum === undefined || amount >= minimum) return;
  const shown = currency === 'jpy' ? String(minimum) : (minimum / 100).toFixed(2);
  throw invalidRequest(`The Checkout Session's total amount due must add up to at least ${shown} ${currency}`, { code: 'amount_too_small', param });
}
