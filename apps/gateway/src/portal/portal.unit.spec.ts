import { PortalView, RequestRefundResult } from '@credit-hub/contracts';
import { readRefundForm } from './portal-form';
import { esc, formatMoney, renderOverview, renderRefundForm, renderRefundResult } from './portal.html';

const valid = {
  requestKey: '6c1e2a59-2a5e-4a49-9d7e-2f4c8a3e1b10',
  kind: 'credits' as const,
  lotId: '',
  tried: '  Product photos  ',
  didNotWork: 'Blurry',
  wouldBringBack: 'Sharper',
  category: 'quality',
  rating: '4',
};

describe('the refund form', () => {
  it('reads a valid form, trimming the answers', () => {
    expect(readRefundForm(valid)).toMatchObject({
      ok: true,
      form: { requestKey: valid.requestKey, kind: 'credits', tried: 'Product photos', didNotWork: 'Blurry', wouldBringBack: 'Sharper', category: 'quality', rating: 4 },
    });
    const noRating = readRefundForm({ ...valid, rating: '' });
    expect(noRating.ok && noRating.form.rating).toBeUndefined();
  });

  it('names every problem at once, next to its field', () => {
    const result = readRefundForm({ ...valid, tried: '   ', didNotWork: '', wouldBringBack: 'x'.repeat(2001), category: 'vibes', rating: '6' });
    expect(result).toMatchObject({
      ok: false,
      errors: {
        tried: 'Tell us what you tried',
        didNotWork: "Tell us what didn't work",
        wouldBringBack: 'Keep it under 2000 characters (now 2001)',
        category: 'Choose what the main problem was',
        rating: 'Choose a rating from 1 to 5, or no rating',
      },
    });
    expect(readRefundForm({})).toMatchObject({ ok: false, errors: { form: expect.stringContaining('out of date') } });
    expect(readRefundForm({ ...valid, kind: 'money' })).toMatchObject({ ok: false, errors: { form: expect.stringContaining('purchase') } });
  });

  it('takes the first of a repeated field and ignores non-strings', () => {
    expect(readRefundForm({ ...valid, category: ['bug', 'price'], tried: { x: 1 } })).toMatchObject({ ok: false, values: { category: 'bug', tried: '' } });
  });
});

const view: PortalView = {
  email: 'ada@example.com',
  branding: { domain: 'demo.localhost', displayName: 'Demo <AI>', supportEmail: 'support@demo.localhost', returnUrl: 'https://demo.localhost/"x' },
  expiresAt: '2026-11-20T13:00:00.000Z',
  balance: 7,
  policy: { windowDays: 14, refundsPerWindow: 1, creditsPerRefundMax: 100, moneyRefunds: { enabled: true, withinDays: 30 } },
  consumptions: [{ referenceId: 'r1', actionType: '<script>alert(1)</script>', credits: 3, creditsRefundable: 3, consumedAt: '2026-11-20T10:00:00.000Z' }],
  creditRefund: { available: true, credits: 3, reason: null },
  moneyRefunds: [{ lotId: 'lot-1', offeringId: 'pro_100', creditsInitial: 100, creditsUnused: 60, amountMinor: 2940, currency: 'usd', purchasedAt: '2026-11-19T10:00:00.000Z' }],
  refunds: [],
};

describe('the portal pages', () => {
  it('escapes everything that comes from outside', () => {
    expect(esc(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    const html = renderOverview('tok', view);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Demo &lt;AI&gt;');
    expect(html).toContain('href="https://demo.localhost/&quot;x"');
  });

  it('shows the balance, the refund offer with its button, and the money refunds', () => {
    const html = renderOverview('tok', view);
    expect(html).toContain('<strong id="balance">7 credits</strong>');
    expect(html).toContain('<button type="submit">Request Refund</button>');
    expect(html).toContain('$29.40');
    expect(html).toContain('action="/portal/tok/refunds/new"');
  });

  it('labels every control of the form and ties errors to their fields', () => {
    const html = renderRefundForm('tok', view.branding, { kind: 'credits', lotId: '', offer: '3 credits back' }, { ...valid, tried: '' }, { tried: 'Tell us what you tried', category: 'Choose what the main problem was' });
    for (const id of ['tried', 'didNotWork', 'wouldBringBack']) expect(html).toContain(`<label for="${id}">`);
    expect(html).toContain('aria-describedby="tried-hint tried-error" aria-invalid="true"');
    expect(html).toContain('<legend>What was the main problem?');
    expect(html).toContain('id="category-error"');
    expect(html).toContain('<a href="#tried">Tell us what you tried</a>');
    expect(html).toContain('<a href="#category-quality">Choose what the main problem was</a>');
    expect(html).toContain('method="post" action="/portal/tok/refunds"');
    expect(html).toContain('>Blurry</textarea>'); // the answers are kept
  });

  it('shows the outcome and the new balance', () => {
    const result: RequestRefundResult = {
      balance: 10,
      branding: view.branding,
      repeated: false,
      request: {
        id: 'r', email: 'ada@example.com', domain: 'demo.localhost', kind: 'credits', status: 'completed',
        feedback: { tried: 'a', didNotWork: 'b', wouldBringBack: 'c', category: 'bug', rating: null },
        creditsRequested: 3, creditsRefunded: 3, moneyRefunded: null, lotId: null, stripeRefundId: null, reviewReason: null, failureReason: null,
        createdAt: '2026-11-20T10:00:00.000Z', updatedAt: '2026-11-20T10:00:00.000Z', completedAt: '2026-11-20T10:00:00.000Z',
      },
    };
    const html = renderRefundResult('tok', result);
    expect(html).toContain('3 credits returned to your balance.');
    expect(html).toContain('<strong id="balance">10 credits</strong>');
  });

  it.each([
    [2940, 'usd', '$29.40'],
    [5, 'usd', '$0.05'],
    [900, 'eur', '€9.00'],
    [1234, 'jpy', '¥1,234'],
    [99_999_999, 'usd', '$999,999.99'],
    [300_000, 'huf', 'HUF\u00a03,000.00'], // Stripe counts HUF in hundredths (Intl gives it no decimals)
    [300_050, 'huf', 'HUF\u00a03,000.50'],
    [48_900, 'isk', 'ISK\u00a0489.00'],
    [1234, 'kwd', 'KWD\u00a01.234'],
  ])('formats %d %s as %s without floating point', (minor, currency, text) => {
    expect(formatMoney(minor, currency)).toBe(text);
  });
});
