// The "hosted checkout" page at GET /checkout/:id, so a human can click through a demo. The Pay button
// is a plain form POST to the completion test helper, which answers with a 303 to the success_url.
import type { StoredCheckoutSession } from './checkout';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Formats an integer amount in minor units for display (`500`, `usd` -> `$5.00`; `500`, `jpy` -> `¥500`),
 * using the currency's number of decimals from Intl; falls back to `500 xyz` for an unknown currency.
 */
export function formatAmount(minorUnits: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
    const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minorUnits / 10 ** decimals);
  } catch {
    return `${minorUnits} ${currency}`;
  }
}

/** The session's `success_url` with Stripe's `{CHECKOUT_SESSION_ID}` template variable filled in. */
export function successRedirectUrl(session: { id: string; success_url: string }): string {
  return session.success_url.split('{CHECKOUT_SESSION_ID}').join(session.id);
}

/** The full HTML page for one session: line items, total, email and a Pay button (or "paid" when complete). */
export function renderCheckoutPage(stored: StoredCheckoutSession): string {
  const { session } = stored;
  const rows = stored.lineItems
    .map((item) => `<tr><td>${escapeHtml(item.description)} × ${item.quantity}</td><td>${escapeHtml(formatAmount(item.amount_total, item.currency))}</td></tr>`)
    .join('');
  const total = escapeHtml(formatAmount(session.amount_total, session.currency));
  const email = escapeHtml(session.customer_email ?? '(entered by the customer)');
  const submitText = session.custom_text.submit ? `<p>${escapeHtml(session.custom_text.submit.message)}</p>` : '';
  return page(`
    <h1>${session.mode === 'subscription' ? subscriptionHeading(stored) : `Pay ${total}`}</h1>
    <table>${rows}<tr class="total"><td>Total</td><td id="amount-total">${total}</td></tr></table>
    <p>Email: <span id="customer-email">${email}</span></p>
    ${submitText}
    ${session.status === 'open' ? payForm(stored) : paidNotice(stored)}
    <p class="note">Stripe stand-in: no real payment is made. Session <code>${escapeHtml(session.id)}</code>.</p>`);
}

/** "Subscribe: $89.00 / year" or "14 days free, then $89.00 / year". */
function subscriptionHeading(stored: StoredCheckoutSession): string {
  const recurring = stored.lineItems.reduce((sum, item) => sum + item.amount_total, 0);
  const interval = stored.lineItems[0].price.recurring?.interval ?? 'month';
  const price = `${escapeHtml(formatAmount(recurring, stored.session.currency))} / ${interval}`;
  const trialDays = stored.subscriptionData?.trialPeriodDays;
  return trialDays ? `${trialDays} days free, then ${price}` : `Subscribe: ${price}`;
}

function payForm(stored: StoredCheckoutSession): string {
  const { session } = stored;
  const action = `/test/checkout/sessions/${encodeURIComponent(session.id)}/complete`;
  const cancel = session.cancel_url ? ` <a href="${escapeHtml(session.cancel_url)}">Cancel</a>` : '';
  return `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="deliver" value="true"><button type="submit">${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>${cancel}</form>`;
}

function paidNotice(stored: StoredCheckoutSession): string {
  const href = escapeHtml(successRedirectUrl(stored.session));
  return `<p id="status">This Checkout Session is ${escapeHtml(stored.session.status)} (${escapeHtml(stored.session.payment_status)}). <a href="${href}">Continue</a></p>`;
}

/** A 404 page for an unknown session id. */
export function renderMissingPage(id: string): string {
  return page(`<h1>Checkout Session not found</h1><p>No such checkout.session: <code>${escapeHtml(id)}</code></p>`);
}

function page(body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout (Stripe stand-in)</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}table{width:100%;border-collapse:collapse}
td{padding:.4rem 0;border-bottom:1px solid #ddd}td:last-child{text-align:right}.total td{font-weight:bold}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:.7rem 2rem;font-size:1rem;cursor:pointer}.note{color:#777;font-size:.8rem}</style>
</head><body>${body}</body></html>`;
}
