import {
  minorUnitExponent,
  PortalBranding,
  PortalPurchase,
  PortalView,
  RefundCategories,
  RefundLimits,
  RefundRequestView,
  RequestRefundResult,
} from '@credit-hub/contracts';
import { categoryLabels, feedbackQuestions, RefundFormField, RefundFormValues } from './portal-form';

/**
 * The customer portal's pages, server-rendered HTML without scripts: every value is escaped, every
 * control has a label, groups of radios are a fieldset with a legend, errors sit next to their
 * field (linked by aria-describedby) and are summed up at the top with links to the fields. Forms
 * work without JavaScript and from the keyboard. Pure functions of the view models.
 */

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * Money as the customer reads it (`$49.00`), from integer minor units without floating point. The
 * minor unit is Stripe's (`minorUnitExponent`: HUF and ISK in hundredths although Intl gives them
 * no decimals), and every digit of it is shown: the amount on screen is the amount paid.
 */
export function formatMoney(amountMinor: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits = minorUnitExponent(code);
  const format = moneyFormat(code, digits);
  if (!format) return `${amountMinor} ${code} (minor units)`;
  const scale = 10 ** digits;
  const whole = Math.floor(amountMinor / scale);
  const fraction = String(amountMinor % scale).padStart(digits, '0');
  const exact = digits > 0 ? `${whole}.${fraction}` : String(whole);
  // Intl formats a decimal string exactly (no conversion to a binary float).
  return format.format(exact as unknown as number);
}

const moneyFormats = new Map<string, Intl.NumberFormat | null>();

/** The formatter of a currency with `digits` decimals, made once (null for a code Intl does not know). */
function moneyFormat(code: string, digits: number): Intl.NumberFormat | null {
  if (!moneyFormats.has(code)) {
    let format: Intl.NumberFormat | null = null;
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      format = null;
    }
    if (moneyFormats.size < 200) moneyFormats.set(code, format); // a bound: currency codes are few
    else return format;
  }
  return moneyFormats.get(code) ?? null;
}

function credits(n: number): string {
  return `${n} credit${n === 1 ? '' : 's'}`;
}

/** One formatter for every date on the pages (building an Intl formatter per call costs ~0.2 ms). */
const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

function day(iso: string): string {
  return `${dateFormat.format(new Date(iso))} UTC`;
}

const styles = `
:root{color-scheme:light;--ink:#1d2433;--muted:#5b6578;--line:#d8dde6;--accent:#2456d6;--accent-ink:#fff;--bad:#b3261e;--ok:#1c7c3c}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f6f7fb}
header,main,footer{max-width:46rem;margin:0 auto;padding:1rem 1.25rem}header{display:flex;justify-content:space-between;align-items:baseline;border-bottom:1px solid var(--line)}
.brand{font-weight:700;font-size:1.2rem}main section{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin:.2rem 0 .6rem}.balance{font-size:1.25rem}.muted,.hint{color:var(--muted)}
table{width:100%;border-collapse:collapse;font-size:.95rem}th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid var(--line)}td.num,th.num{text-align:right}
.button,button{display:inline-block;font:inherit;font-weight:600;border:2px solid var(--accent);background:var(--accent);color:var(--accent-ink);border-radius:.4rem;padding:.5rem 1rem;cursor:pointer;text-decoration:none}
.button.secondary{background:#fff;color:var(--accent)}:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.field{margin:1rem 0}label,legend{font-weight:600;display:block}textarea{width:100%;min-height:5rem;font:inherit;padding:.5rem;border:2px solid var(--ink);border-radius:.3rem}
fieldset{border:0;padding:0;margin:1rem 0}.choices label{font-weight:400;display:flex;gap:.5rem;align-items:center;margin:.25rem 0}
.error{color:var(--bad);font-weight:600;margin:.2rem 0}[aria-invalid=true]{border-color:var(--bad)}.field.invalid,fieldset.invalid{border-left:4px solid var(--bad);padding-left:.8rem}
.summary{border:3px solid var(--bad);padding:.8rem 1rem;border-radius:.4rem;background:#fff}.summary a{color:var(--bad)}
.notice{border-left:4px solid var(--accent);padding:.3rem .8rem;background:#eef3ff}.done{border-left:4px solid var(--ok);padding:.3rem .8rem;background:#edf8f0}
.rating{display:flex;flex-wrap:wrap;gap:.25rem 1rem}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}footer{color:var(--muted);font-size:.9rem}`;

/** The page frame, in the domain's brand. */
function page(brand: { displayName: string; supportEmail?: string; returnUrl?: string }, title: string, body: string): string {
  const back = brand.returnUrl ? `<a href="${esc(brand.returnUrl)}">Back to ${esc(brand.displayName)}</a>` : '';
  const support = brand.supportEmail ? `Questions? Write to <a href="mailto:${esc(brand.supportEmail)}">${esc(brand.supportEmail)}</a>.` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} – ${esc(brand.displayName)}</title><style>${styles}</style></head>
<body><header><span class="brand">${esc(brand.displayName)}</span><nav aria-label="Back to the product">${back}</nav></header>
<main id="main">${body}</main>
<footer><p>${support} Refunds are handled by the ${esc(brand.displayName)} billing portal.</p></footer></body></html>`;
}

function portalPath(token: string): string {
  return `/portal/${encodeURIComponent(token)}`;
}

/** The customer's page: balance, what can be refunded and how, past requests. */
export function renderOverview(token: string, view: PortalView): string {
  const { branding: brand, policy } = view;
  const window = `${policy.windowDays} day${policy.windowDays === 1 ? '' : 's'}`;
  const perWindow = policy.refundsPerWindow === 1 ? `one refund every ${window}` : `${policy.refundsPerWindow} refunds every ${window}`;
  const cap = policy.creditsPerRefundMax === null ? '' : ` A refund returns at most ${credits(policy.creditsPerRefundMax)}.`;
  const credit = view.creditRefund;
  const action = credit.available
    ? `<p>A refund now returns <strong id="refundable-credits">${credits(credit.credits)}</strong> to your balance, at once.</p>
<form method="get" action="${portalPath(token)}/refunds/new"><input type="hidden" name="kind" value="credits"><button type="submit">Request Refund</button></form>`
    : `<p class="notice" id="refund-unavailable">${esc(credit.reason ?? 'No refund is available right now.')}</p>`;
  const rows = view.consumptions
    .map((c) => `<tr><td>${esc(day(c.consumedAt))}</td><td>${esc(c.actionType)}</td><td class="num">${c.credits}</td><td class="num">${c.creditsRefundable}</td></tr>`)
    .join('');
  const consumptions = view.consumptions.length
    ? `<table><caption class="muted">Credits you used on ${esc(brand.displayName)} in the last ${window}</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col" class="num">Credits</th><th scope="col" class="num">Refundable</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="muted">You have not used credits on ${esc(brand.displayName)} in the last ${window}.</p>`;
  const body = `<h1>Your credits</h1>
<p class="balance">Balance: <strong id="balance">${credits(view.balance)}</strong> <span class="muted">(${esc(view.email)})</span></p>
<section aria-labelledby="refund-heading"><h2 id="refund-heading">Not happy? Get your credits back</h2>
<p>Credits you used on ${esc(brand.displayName)} in the last ${window} come back in exchange for a short feedback form: ${perWindow}.${cap}</p>
${action}${consumptions}</section>
${moneySection(token, view)}${refundsSection(view.refunds)}`;
  return page(brand, 'Refunds', body);
}

function moneySection(token: string, view: PortalView): string {
  if (!view.policy.moneyRefunds.enabled || view.moneyRefunds.length === 0) return '';
  const rows = view.moneyRefunds.map((p) => purchaseRow(token, p)).join('');
  return `<section aria-labelledby="money-heading"><h2 id="money-heading">Money back for unused credits</h2>
<p>Within ${view.policy.moneyRefunds.withinDays} days of a purchase, its unused credits can be refunded to your card at the price you paid for them.</p>
<table><thead><tr><th scope="col">Purchased</th><th scope="col" class="num">Unused</th><th scope="col" class="num">Refund</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function purchaseRow(token: string, p: PortalPurchase): string {
  const label = `Request money refund of ${formatMoney(p.amountMinor, p.currency)} for the purchase of ${esc(day(p.purchasedAt))}`;
  return `<tr><td>${esc(day(p.purchasedAt))}${p.offeringId ? ` <span class="muted">(${esc(p.offeringId)})</span>` : ''}</td>
<td class="num">${p.creditsUnused} of ${p.creditsInitial}</td><td class="num">${esc(formatMoney(p.amountMinor, p.currency))}</td>
<td><form method="get" action="${portalPath(token)}/refunds/new"><input type="hidden" name="kind" value="money"><input type="hidden" name="lotId" value="${esc(p.lotId)}">
<button type="submit" class="button secondary" aria-label="${esc(label)}">Refund money</button></form></td></tr>`;
}

function refundsSection(refunds: RefundRequestView[]): string {
  if (refunds.length === 0) return '';
  const items = refunds.map((r) => `<li>${esc(day(r.createdAt))}: ${esc(describeRefund(r))}</li>`).join('');
  return `<section aria-labelledby="history-heading"><h2 id="history-heading">Your refund requests</h2><ul>${items}</ul></section>`;
}

/** One sentence on where a request stands. */
export function describeRefund(r: RefundRequestView): string {
  const money = r.moneyRefunded ? formatMoney(r.moneyRefunded.amountMinor, r.moneyRefunded.currency) : 'the money';
  switch (r.status) {
    case 'completed':
      return r.kind === 'credits' ? `${credits(r.creditsRefunded)} returned to your balance` : `${money} refunded to your card (${credits(r.creditsRefunded)} removed)`;
    case 'held':
      return 'being reviewed by our team; we will get back to you';
    case 'requested':
    case 'credits_removed':
    case 'stripe_refunded':
      return r.kind === 'credits' ? 'being processed' : 'refund to your card in progress';
    case 'compensating':
    case 'compensated':
      return `the card refund did not go through; your ${credits(r.creditsRefunded)} are back in your balance`;
    case 'rejected':
      return `not possible: ${r.failureReason ?? 'nothing left to refund'}`;
    case 'denied':
      return 'declined after review';
    default: {
      const unreachable: never = r.status;
      return unreachable;
    }
  }
}

/** What the form asks for, shown above it. */
export interface RefundFormContext {
  kind: 'credits' | 'money';
  lotId: string;
  /** What the refund gives, in words: "12 credits back to your balance". */
  offer: string;
}

/** The structured feedback form, blank or with the customer's answers and the errors next to them. */
export function renderRefundForm(
  token: string,
  brand: PortalBranding,
  context: RefundFormContext,
  values: RefundFormValues,
  errors: Partial<Record<RefundFormField, string>> = {},
): string {
  const summaryItems = (Object.entries(errors) as [RefundFormField, string][])
    .map(([field, message]) => `<li><a href="#${field === 'category' ? 'category-quality' : field === 'rating' ? 'rating-none' : field === 'form' ? 'main' : field}">${esc(message)}</a></li>`)
    .join('');
  const summary = summaryItems
    ? `<div class="summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary" autofocus><h2 id="error-summary-title">There is a problem</h2><ul>${summaryItems}</ul></div>`
    : '';
  const questions = feedbackQuestions
    .map((q) => {
      const error = errors[q.field];
      const describedBy = `${q.field}-hint${error ? ` ${q.field}-error` : ''}`;
      return `<div class="field${error ? ' invalid' : ''}"><label for="${q.field}">${esc(q.label)} <span class="muted">(required)</span></label>
<p class="hint" id="${q.field}-hint">${esc(q.hint)}</p>${error ? `<p class="error" id="${q.field}-error"><span class="visually-hidden">Error:</span> ${esc(error)}</p>` : ''}
<textarea id="${q.field}" name="${q.field}" required aria-required="true" maxlength="${RefundLimits.feedbackLengthMax}" aria-describedby="${describedBy}"${error ? ' aria-invalid="true"' : ''}>${esc(values[q.field])}</textarea></div>`;
    })
    .join('');
  const categoryError = errors.category;
  const categories = RefundCategories.map(
    (c) => `<label><input type="radio" name="category" id="category-${c}" value="${c}" required${values.category === c ? ' checked' : ''}> ${esc(categoryLabels[c])}</label>`,
  ).join('');
  const ratingError = errors.rating;
  const ratings = ['', '1', '2', '3', '4', '5']
    .map((r) => `<label><input type="radio" name="rating" id="rating-${r || 'none'}" value="${r}"${values.rating === r ? ' checked' : ''}> ${r === '' ? 'No rating' : `${r} of 5`}</label>`)
    .join('');
  const body = `<h1>Request a refund</h1>
<p class="notice">${esc(context.offer)}</p>${summary}${errors.form ? `<p class="error">${esc(errors.form)}</p>` : ''}
<form method="post" action="${portalPath(token)}/refunds" novalidate>
<input type="hidden" name="requestKey" value="${esc(values.requestKey)}"><input type="hidden" name="kind" value="${esc(context.kind)}"><input type="hidden" name="lotId" value="${esc(context.lotId)}">
${questions}
<fieldset class="${categoryError ? 'invalid' : ''}" aria-describedby="${categoryError ? 'category-error' : 'category-hint'}"${categoryError ? ' aria-invalid="true"' : ''}><legend>What was the main problem? <span class="muted">(required)</span></legend>
<p class="hint" id="category-hint">Choose the one that fits best.</p>${categoryError ? `<p class="error" id="category-error">${esc(categoryError)}</p>` : ''}<div class="choices">${categories}</div></fieldset>
<fieldset class="${ratingError ? 'invalid' : ''}"${ratingError ? ' aria-describedby="rating-error" aria-invalid="true"' : ''}><legend>How would you rate ${esc(brand.displayName)}? <span class="muted">(optional)</span></legend>
${ratingError ? `<p class="error" id="rating-error">${esc(ratingError)}</p>` : ''}<div class="choices rating">${ratings}</div></fieldset>
<p><button type="submit">${context.kind === 'credits' ? 'Send feedback and refund my credits' : 'Send feedback and refund my money'}</button>
<a class="button secondary" href="${portalPath(token)}">Cancel</a></p></form>`;
  return page(brand, 'Request a refund', body);
}

/** The answer to a submitted form: the refund's outcome and the balance after it. */
export function renderRefundResult(token: string, result: RequestRefundResult): string {
  const r = result.request;
  const done = r.status === 'completed';
  const title = done ? 'Your refund is done' : r.status === 'held' ? 'Thanks, we are reviewing your request' : r.status === 'rejected' ? 'We could not refund this' : 'Thanks for your feedback';
  const body = `<h1>${esc(title)}</h1>
<p class="${done ? 'done' : 'notice'}" role="status" id="refund-status" data-status="${esc(r.status)}">${esc(sentence(describeRefund(r)))}</p>
<p class="balance">Balance: <strong id="balance">${credits(result.balance)}</strong></p>
<p>Thank you for telling us what happened: it goes straight to the team behind ${esc(result.branding.displayName)}.</p>
<p><a class="button secondary" href="${portalPath(token)}">See your credits</a></p>`;
  return page(result.branding, title, body);
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

/** A page that only says something: an invalid link, a refused refund, an outage. */
export function renderMessage(brand: { displayName: string; supportEmail?: string; returnUrl?: string }, title: string, message: string, backTo?: string): string {
  const back = backTo ? `<p><a class="button secondary" href="${esc(backTo)}">Back to your refund page</a></p>` : '';
  return page(brand, title, `<h1>${esc(title)}</h1><p class="notice" role="alert">${esc(message)}</p>${back}`);
}
