import { ConsumeCreditsCommand } from './ledger';
import { GrantCreditsCommand } from './ledger';
import { accountStreamId, normalizeEmail } from './customer';
import { isStorableText, unstorableTextIn } from './text';
import { validatePayload } from './validation';

const consume = { email: 'ada@example.com', domain: 'a.test', credits: 1, actionType: 'gen', referenceId: 'ref-1' };

describe('text PostgreSQL can store', () => {
  it.each([
    ['a NUL', 'a\u0000b', false],
    ['a NUL alone', '\u0000', false],
    ['a lone high surrogate', 'a\ud800', false],
    ['a lone low surrogate', '\udc00a', false],
    ['a pair cut in half at the end', '🙂\ud83d', false],
    ['a surrogate pair (emoji)', 'x🙂y', true],
    ['the six characters \\u0000 (an escape as text)', '\\u0000', true],
    ['other control characters (tab, newline, U+0001)', 'a\tb\nc\u0001', true],
    ['noncharacters U+FFFE, U+FFFF', '\ufffe\uffff', true],
    ['the empty string', '', true],
  ])('%s (case %#)', (_, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('names the first offending string or property name anywhere in a payload, by its dotted path', () => {
    expect(unstorableTextIn({ a: 'ok', items: [{ referenceId: 'ok' }, { referenceId: 'x\u0000' }] })?.field).toBe('items.1.referenceId');
    expect(unstorableTextIn({ reason: 'lone \udfff' })).toEqual({ field: 'reason', detail: expect.stringContaining('surrogate') });
    expect(unstorableTextIn({ 'k\u0000': 1 })).toEqual({ field: '"k\\u0000"', detail: expect.stringContaining('property name') });
    expect(unstorableTextIn('a\u0000', 'q')).toEqual({ field: 'q', detail: expect.stringContaining('NUL') });
    expect(unstorableTextIn({ a: [1, true, null, { b: 'fine 🙂' }] })).toBeUndefined();
  });

  it('is refused by validatePayload for every contract (NATS commands), naming the field, before the class is looked at', () => {
    for (const [field, value] of [['referenceId', 'a\u0000b'], ['referenceId', '\ud800'], ['actionType', 'g\u0000'], ['email', 'ada\u0000@example.com']] as const) {
      expect(validatePayload(ConsumeCreditsCommand, { ...consume, [field]: value })).toEqual({ ok: false, refusal: { code: 'validation_failed', field, detail: expect.any(String) } });
    }
    const grant = { email: 'ada@example.com', domain: 'a.test', credits: 5, grantId: 'g-1', reason: 'goodwill \u0000' };
    expect(validatePayload(GrantCreditsCommand, grant)).toEqual({ ok: false, refusal: expect.objectContaining({ code: 'validation_failed', field: 'reason' }) });
    expect(validatePayload(ConsumeCreditsCommand, consume).ok).toBe(true);
  });
});

describe('one customer, one email', () => {
  const nfc = '\u00fc@ex\u00e4mple.com'; // ü@exämple.com, composed
  const nfd = 'u\u0308@exa\u0308mple.com'; // the same, decomposed

  it('normalises NFC and NFD spellings, case and surrounding space to one key and one stream', () => {
    expect(nfc).not.toBe(nfd);
    expect(normalizeEmail(nfd)).toBe(nfc);
    expect(normalizeEmail(`  ${nfd.toUpperCase()}\t`)).toBe(nfc);
    expect(accountStreamId(nfd)).toBe(accountStreamId(nfc));
    expect(normalizeEmail('\u0130@EXAMPLE.COM')).toBe('i\u0307@example.com'); // İ lower-cases to i + combining dot, stays composed-stable
  });

  it('gives contracts the normalised email, and refuses control characters anywhere in it, naming the field', () => {
    const validated = validatePayload(ConsumeCreditsCommand, { ...consume, email: nfd.toUpperCase() });
    expect(validated.ok && validated.value.email).toBe(nfc);
    for (const email of ['"a\u0001b"@example.com', '"a\u007f"@example.com', '"a\u0085"@example.com', 'a\u0007b@example.com']) {
      expect(validatePayload(ConsumeCreditsCommand, { ...consume, email })).toEqual({ ok: false, refusal: expect.objectContaining({ code: 'validation_failed', field: 'email' }) });
    }
  });
});
