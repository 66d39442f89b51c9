/**
 * How many decimal places a currency's integer minor units have, as Stripe counts them: amounts
 * (`amountMinor`, Stripe's `amount` / `unit_amount`) are in this unit. Stripe's rule
 * (https://docs.stripe.com/currencies, "Minor units in API amounts"): the zero-decimal currencies
 * below count whole units, the three-decimal ones thousandths, every other currency hundredths,
 * including HUF, ISK and TWD, whose ISO 4217 / CLDR digits differ (Intl says 0 for HUF and ISK).
 * So the exponent is never taken from Intl: `Intl.NumberFormat` only formats the decimal amount.
 */

/** Stripe's zero-decimal currencies (lower-case ISO 4217). */
export const zeroDecimalCurrencies: readonly string[] = ['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'];

/** Stripe's three-decimal currencies (lower-case ISO 4217). */
export const threeDecimalCurrencies: readonly string[] = ['bhd', 'jod', 'kwd', 'omr', 'tnd'];

/** The exponent of `currency`'s minor unit (any case): 0, 3, else 2. */
export function minorUnitExponent(currency: string): number {
  const code = currency.toLowerCase();
  if (zeroDecimalCurrencies.includes(code)) return 0;
  if (threeDecimalCurrencies.includes(code)) return 3;
  return 2;
}

/** The exponents that differ from 2, by lower-case code: for a page's script (JSON), which falls back to 2. */
export const minorUnitExponents: Readonly<Record<string, number>> = Object.fromEntries([
  ...zeroDecimalCurrencies.map((code) => [code, 0] as const),
  ...threeDecimalCurrencies.map((code) => [code, 3] as const),
]);
