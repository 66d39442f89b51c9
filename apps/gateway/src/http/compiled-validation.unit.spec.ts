import 'reflect-metadata';
import { Limits, validatePayload } from '@credit-hub/contracts';
import fc from 'fast-check';
import { CaptureReservationRequest, ReleaseReservationRequest, ReserveCreditsRequest } from '../portfolio/credit-ledger.dto';
import { BalanceRequest, ConsumeCreditsRequest } from '../portfolio/credits.dto';
import { compiledInput } from './compiled-validation';

const validConsume = { email: ' Ada@Example.COM ', domain: 'demo.localhost', deltaCredits: -1, actionType: 'ai_generation', referenceId: 'gen_1' };

/** Values a field may take: valid ones, near misses and wrong types. */
const fieldValue = fc.oneof(
  fc.constantFrom('ada@example.com', ' ADA@example.com', 'a@b', 'not-an-email', 'ada@exa mple.com', 'a\u0007@b.co', 'x'.repeat(300) + '@b.co', '', 'é@exämple.com'),
  fc.constantFrom('demo.localhost', 'DEMO.localhost', 'demo_localhost', 'x'.repeat(300), 'ümlaut.de'),
  fc.constantFrom(-1, 0, 1, -1.5, -1e12, -(2 ** 31), 5, 1e9, -0, 1.0, Number.MAX_SAFE_INTEGER),
  fc.constantFrom('ai_generation', 'a b', 'a'.repeat(64), 'a'.repeat(65), '😀', 'r'.repeat(200), 'r'.repeat(201), '😀'.repeat(100)),
  fc.constantFrom(null, true, [], {}, ['a'], undefined),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);

const validFields: Record<string, unknown> = { email: 'ada@example.com', domain: 'demo.localhost', deltaCredits: -2, actionType: 'chat', referenceId: 'r1', credits: 3, ttlSeconds: 60 };

/** Inputs near the valid one: each field valid (mostly), replaced, or absent; sometimes an unknown property. */
function inputOf(fields: readonly string[]) {
  const field = (name: string) => fc.oneof({ arbitrary: fc.constant(validFields[name]), weight: 4 }, { arbitrary: fieldValue, weight: 1 });
  return fc.record({ ...Object.fromEntries(fields.map((name) => [name, field(name)])), extra: fieldValue }, { requiredKeys: [...fields] as never[] }).map((input) => {
    const { extra, ...rest } = input as Record<string, unknown>;
    return extra === undefined || typeof extra === 'number' ? rest : input;
  });
}

describe('compiled validation of the credit routes', () => {
  it('accepts a valid consume without class-validator, the email normalised as EmailField does', () => {
    const accepted = compiledInput(ConsumeCreditsRequest, validConsume);
    expect(accepted).toBeInstanceOf(ConsumeCreditsRequest);
    expect({ ...accepted }).toEqual({ ...validConsume, email: 'ada@example.com' });
  });

  it('refuses (leaving the answer to class-validator) unknown properties, nulls, strings for numbers, a lone bad field', () => {
    expect(compiledInput(ConsumeCreditsRequest, { ...validConsume, extra: 1 })).toBeUndefined();
    expect(compiledInput(ConsumeCreditsRequest, { ...validConsume, deltaCredits: '-1' })).toBeUndefined();
    expect(compiledInput(ConsumeCreditsRequest, { ...validConsume, deltaCredits: 0 })).toBeUndefined();
    expect(compiledInput(ConsumeCreditsRequest, { ...validConsume, email: 'not-an-email' })).toBeUndefined();
    expect(compiledInput(ConsumeCreditsRequest, { ...validConsume, referenceId: '😀'.repeat(Limits.referenceIdLengthMax / 2 + 1) })).toBeUndefined(); // within the bound in code points, over it in UTF-16 units
    expect(compiledInput(CaptureReservationRequest, { email: 'a@b.co', domain: 'd.com', credits: 1, actionType: null })).toBeUndefined();
  });

  // The fast path never accepts what class-validator refuses, and builds the same DTO when both accept.
  for (const [name, cls, fields] of [
    ['consume', ConsumeCreditsRequest, ['email', 'domain', 'deltaCredits', 'actionType', 'referenceId']],
    ['balance', BalanceRequest, ['email', 'domain']],
    ['reserve', ReserveCreditsRequest, ['email', 'domain', 'credits', 'referenceId', 'ttlSeconds']],
    ['capture', CaptureReservationRequest, ['email', 'domain', 'credits', 'actionType']],
    ['release', ReleaseReservationRequest, ['email', 'domain']],
  ] as const) {
    it(`${name}: accepts only what class-validator accepts, as the same DTO`, () => {
      let acceptedCount = 0;
      fc.assert(
        fc.property(inputOf(fields), (input) => {
          const plain = JSON.parse(JSON.stringify(input)) as object;
          const fast = compiledInput(cls as unknown as new () => object, plain);
          if (fast === undefined) return;
          acceptedCount++;
          const slow = validatePayload(cls as unknown as new () => object, plain);
          expect(slow.ok).toBe(true);
          if (slow.ok) expect({ ...fast }).toEqual({ ...slow.value });
        }),
        { numRuns: 3000 },
      );
      const valid = Object.fromEntries(fields.map((field) => [field, validFields[field]]));
      expect(compiledInput(cls as unknown as new () => object, valid)).toBeDefined();
      expect(acceptedCount).toBeGreaterThan(100); // the property was checked on accepted inputs, not only refusals
    });
  }
});
