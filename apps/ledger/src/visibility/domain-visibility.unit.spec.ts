import { historyDetailsForDomain, lotIdForDomain } from './domain-visibility';

const demo = 'demo.localhost';
const notes = 'notes.localhost';
const lotDomains = new Map([['lot_cs_demo1', demo], ['lot_cs_notes1', notes]]);

describe('what a domain sees of another domain’s money in the history', () => {
  const purchaseRefunded = {
    lotId: 'lot_cs_demo1', refundRequestId: 'rr-1', credits: 60, amountMinor: 2940, currency: 'usd', paymentIntentId: 'pi_1',
    checkoutSessionId: 'cs_demo1', balanceAfter: 0, refundedAt: '2026-12-07T10:00:00.000Z',
  };

  it('the seller sees its own money refund whole; another domain sees credits and times under an opaque lot id', () => {
    expect(historyDetailsForDomain(purchaseRefunded, null, lotDomains, demo)).toEqual(purchaseRefunded);
    const seen = historyDetailsForDomain(purchaseRefunded, null, lotDomains, notes);
    expect(seen).toEqual({ lotId: lotIdForDomain('lot_cs_demo1', demo, notes), credits: 60, balanceAfter: 0, refundedAt: '2026-12-07T10:00:00.000Z' });
    expect(JSON.stringify(seen)).not.toMatch(/cs_|pi_|usd|2940|rr-1/);
  });

  it("a domain's own consumption keeps its fields, with another domain's lots it drew from under opaque ids", () => {
    const consumed = { email: 'a@example.com', domain: notes, credits: 3, referenceId: 'r1', draws: [{ lotId: 'lot_cs_demo1', credits: 2 }, { lotId: 'lot_cs_notes1', credits: 1 }] };
    const seen = historyDetailsForDomain(consumed, notes, lotDomains, notes);
    expect(seen).toEqual({ ...consumed, draws: [{ lotId: lotIdForDomain('lot_cs_demo1', demo, notes), credits: 2 }, { lotId: 'lot_cs_notes1', credits: 1 }] });
  });

  it('an opaque id is stable, differs per lot, and holds no part of the lot id; without a domain nothing is hidden', () => {
    const id = lotIdForDomain('lot_cs_demo1', demo, notes);
    expect(id).toBe(lotIdForDomain('lot_cs_demo1', demo, notes));
    expect(id).not.toBe(lotIdForDomain('lot_cs_demo2', demo, notes));
    expect(id).toMatch(/^lot_other_[0-9a-f]{32}$/);
    expect(historyDetailsForDomain(purchaseRefunded, null, lotDomains, undefined)).toEqual(purchaseRefunded);
  });
});
