import { esc } from '../portal/portal.html';
import { minorUnitExponents } from '@credit-hub/contracts';

/**
 * The dashboard's HTML (server-rendered shells, every value escaped) and its script (served as
 * `/dashboard/app.js`: the CSP allows scripts from this origin only). The script fills the page
 * with `textContent` only, never HTML from data.
 */

const style = `body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1.25rem;background:#1d2330;color:#fff}
header h1{font-size:1.1rem;margin:0;flex:1}
main{padding:1rem 1.25rem;display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
section{background:#fff;border-radius:8px;padding:1rem;box-shadow:0 1px 2px #0002}
section.wide{grid-column:1/-1}
h2{font-size:1rem;margin:0 0 .5rem}
form.inline{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}
label{display:flex;flex-direction:column;font-size:.85rem;gap:.2rem}
table{width:100%;border-collapse:collapse;font-size:.85rem}th,td{text-align:left;padding:.3rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
.totals{display:flex;gap:1.5rem;flex-wrap:wrap}.totals div{font-size:.85rem}.totals strong{display:block;font-size:1.3rem}
canvas{max-height:280px}`;

function page(title: string, body: string, script: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${style}</style>
${script ? '<script src="/dashboard/chart.umd.min.js" defer></script><script src="/dashboard/app.js" defer></script>' : ''}
</head><body>${body}</body></html>`;
}

/** The sign-in page: the domain or builder key is posted in a form body, never put in a URL. */
export function renderSignIn(error: string | null): string {
  return page(
    'Analytics: sign in',
    `<header><h1>credit-hub analytics</h1></header>
<main><section><h2>Sign in</h2>
${error ? `<p role="alert" id="sign-in-error">${esc(error)}</p>` : ''}
<form method="post" action="/dashboard/sign-in" class="inline">
<label for="apiKey">Domain or builder API key<input id="apiKey" name="apiKey" type="password" autocomplete="off" required maxlength="200" size="50"></label>
<button type="submit">Sign in</button></form>
<p>Signing in starts a session of 8 hours; only its random id is kept, in an HttpOnly cookie for this page. Sign out to end it.</p></section></main>`,
    false,
  );
}

/**
 * The dashboard shell, titled `title` (the domain, or the builder's name), over `domains` (the key's
 * domains, sorted: one for a domain key; a filter appears when there are several); app.js fills it.
 */
export function renderDashboard(title: string, domains: string[], categories: string[], statuses: string[]): string {
  const options = (values: string[]) => ['<option value="">all</option>', ...values.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`)].join('');
  const domainFilter =
    domains.length > 1 ? `<label for="domain-filter">Domain<select id="domain-filter" name="domain">${options(domains)}</select></label>` : '';
  return page(
    `Analytics: ${title}`,
    `<header><h1>Analytics: <span id="domain">${esc(title)}</span></h1>
<a href="/dashboard/connect" style="color:#fff">Stripe Connect</a>
<form method="post" action="/dashboard/sign-out"><button type="submit">Sign out</button></form></header>
<main>
<section class="wide"><form id="range" class="inline">
<label for="from">From<input id="from" name="from" type="date"></label>
<label for="to">To<input id="to" name="to" type="date"></label>
${domainFilter}<button type="submit">Apply</button></form>
<p id="domains" data-count="${domains.length}">${esc(domains.join(', '))}</p>
<div class="totals" id="totals" aria-live="polite"></div></section>
<section><h2>Credit usage by action type</h2><canvas id="chart-usage" aria-label="Credits consumed per day by action type" role="img"></canvas></section>
<section><h2>Conversion funnel</h2><canvas id="chart-funnel" aria-label="Conversion funnel" role="img"></canvas></section>
<section><h2>Refunds over time</h2><canvas id="chart-refunds" aria-label="Refunds per day" role="img"></canvas></section>
<section><h2>Refunds by category</h2><canvas id="chart-categories" aria-label="Refunds by category" role="img"></canvas></section>
<section><h2>Net revenue per day</h2><canvas id="chart-revenue" aria-label="Net revenue per day" role="img"></canvas></section>
<section><h2>Net revenue by domain</h2><canvas id="chart-revenue-domains" aria-label="Net revenue by domain" role="img"></canvas></section>
<section><h2>Sales by domain: gross, platform fee, net</h2><canvas id="chart-sales-domains" aria-label="Gross sales, platform fee and net sales by domain" role="img"></canvas></section>
<section><h2>Credit usage by domain</h2><canvas id="chart-usage-domains" aria-label="Credits consumed by domain" role="img"></canvas></section>
<section><h2>What would bring them back</h2><ol id="bring-back"></ol></section>
<section class="wide"><h2>Latest refund requests</h2>
<form id="requests-filter" class="inline">
<label for="category">Category<select id="category" name="category">${options(categories)}</select></label>
<label for="status">Status<select id="status" name="status">${options(statuses)}</select></label>
<button type="submit">Filter</button></form>
<table id="requests-table"><thead><tr><th>Created</th><th>Domain</th><th>Customer</th><th>Kind</th><th>Status</th><th>Category</th><th>Credits</th><th>What they tried</th><th>Didn't work</th><th>Would bring back</th></tr></thead>
<tbody id="requests"></tbody></table></section>
<section class="wide"><h2>Search feedback</h2>
<form id="search" class="inline" role="search"><label for="q">Words<input id="q" name="q" type="search" maxlength="200"></label><button type="submit">Search</button></form>
<ul id="feedback"></ul></section>
</main>`,
    true,
  );
}

/** The page's script (plain ES2020, no build step). */
export const dashboardScript = `'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const charts = {};
  const palette = ['#3366cc', '#dc3912', '#ff9900', '#109618', '#990099', '#0099c6', '#dd4477', '#66aa00'];
  function range() {
    const p = new URLSearchParams();
    if ($('from').value) p.set('from', $('from').value);
    if ($('to').value) p.set('to', $('to').value);
    if ($('domain-filter') && $('domain-filter').value) p.set('domain', $('domain-filter').value);
    return p;
  }
  async function get(view, params) {
    const response = await fetch('/dashboard/data/' + view + '?' + params.toString(), { credentials: 'same-origin' });
    if (response.status === 401) { location.href = '/dashboard'; throw new Error('signed out'); }
    if (!response.ok) throw new Error(view + ': ' + response.status);
    return response.json();
  }
  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: true }, config.options || {});
    charts[id] = new Chart($(id), config);
  }
  // Money arrives in integer minor units with its ISO 4217 currency; on screen it is always the
  // currency's own format (Intl.NumberFormat), never minor units. The exponent is Stripe's (2 for
  // USD and HUF, 0 for JPY, 3 for KWD: libs/contracts/src/minor-units.ts), not Intl's digits (0 for HUF).
  const exponents = ${JSON.stringify(minorUnitExponents)};
  const formats = {};
  function moneyFormat(currency) {
    const code = currency.toUpperCase();
    if (!formats[code]) {
      const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
      const exponent = Object.hasOwn(exponents, currency.toLowerCase()) ? exponents[currency.toLowerCase()] : 2;
      formats[code] = { formatter: format, exponent };
    }
    return formats[code];
  }
  function money(minor, currency) {
    const f = moneyFormat(currency);
    return f.formatter.format(minor / Math.pow(10, f.exponent));
  }
  // One y axis per currency (EUR and USD never share an axis), ticks and tooltips as money.
  function moneyAxes(currencies) {
    const scales = { x: {} };
    currencies.forEach((c, i) => {
      scales['y_' + c] = { type: 'linear', beginAtZero: true, position: i % 2 === 0 ? 'left' : 'right', grid: { drawOnChartArea: i === 0 },
        title: { display: true, text: c.toUpperCase() }, ticks: { callback: (value) => money(Number(value), c) } };
    });
    return scales;
  }
  const moneyTooltip = { callbacks: { label: (item) => item.dataset.label + ': ' + money(Number(item.raw), item.dataset.currency) } };
  function el(tag, text) { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); return e; }
  function days(rows) { return [...new Set(rows.map((r) => r.day))].sort(); }
  async function loadCharts() {
    const p = range();
    const [credits, conversion, refunds, revenue] = await Promise.all([get('credits', p), get('conversion', p), get('refunds', p), get('revenue', p)]);
    const several = credits.domains.length > 1;
    const consumed = credits.rows.filter((r) => r.kind === 'consumed');
    const usageDays = days(consumed);
    // One dataset per action type (one domain) or per domain and action type (several, stacked per domain).
    const series = [...new Set(consumed.map((r) => (several ? r.domain + ' · ' : '') + r.actionType))].sort();
    const seriesOf = (r) => (several ? r.domain + ' · ' : '') + r.actionType;
    draw('chart-usage', { type: 'bar', data: { labels: usageDays, datasets: series.map((a, i) => ({ label: a, backgroundColor: palette[i % palette.length],
      stack: several ? a.split(' · ')[0] : 'credits',
      data: usageDays.map((d) => consumed.filter((r) => r.day === d && seriesOf(r) === a).reduce((s, r) => s + r.credits, 0)) })) },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
    draw('chart-usage-domains', { type: 'bar', data: { labels: credits.byDomain.map((d) => d.domain), datasets: [
      { label: 'consumed', backgroundColor: palette[0], data: credits.byDomain.map((d) => d.totals.consumed) },
      { label: 'refunded', backgroundColor: palette[1], data: credits.byDomain.map((d) => d.totals.refunded) }] }, options: { scales: { y: { beginAtZero: true } } } });
    draw('chart-funnel', { type: 'bar', data: { labels: ['Checkouts created', 'Checkouts paid', 'Trials started', 'Trials converted', 'Refunded customers', 'Came back (30 d)'],
      datasets: [{ label: 'count', backgroundColor: palette, data: [conversion.checkout.created, conversion.checkout.completed, conversion.trials.started, conversion.trials.converted, conversion.refunds.customers, conversion.refunds.cameBack] }] },
      options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } } });
    // Counts and credits are different units: each has its own axis.
    draw('chart-refunds', { type: 'bar', data: { labels: refunds.byDay.map((d) => d.day), datasets: [
      { label: 'refunds', backgroundColor: palette[1], yAxisID: 'y', data: refunds.byDay.map((d) => d.count) },
      { label: 'credits refunded', backgroundColor: palette[2], yAxisID: 'y1', data: refunds.byDay.map((d) => d.creditsRefunded) }] },
      options: { scales: { y: { beginAtZero: true, position: 'left', title: { display: true, text: 'refunds' }, ticks: { precision: 0 } },
        y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'credits' }, ticks: { precision: 0 } } } } });
    draw('chart-categories', { type: 'doughnut', data: { labels: refunds.byCategory.map((c) => c.category), datasets: [{ data: refunds.byCategory.map((c) => c.count), backgroundColor: palette }] } });
    // Revenue: data stay integer minor units (exact sums); axes and tooltips show money.
    const revenueDays = days(revenue.rows);
    const seriesKey = (r) => (several ? r.domain + ' · ' : '') + r.currency;
    const revenueSeries = [...new Set(revenue.rows.map(seriesKey))].sort();
    const currencyOfSeries = (key) => key.split(' · ').pop();
    const dayCurrencies = [...new Set(revenue.rows.map((r) => r.currency))].sort();
    draw('chart-revenue', { type: 'bar', data: { labels: revenueDays, datasets: revenueSeries.map((key, i) => ({
      label: key.replace(/[a-z]+$/, (c) => c.toUpperCase()), currency: currencyOfSeries(key), yAxisID: 'y_' + currencyOfSeries(key), backgroundColor: palette[i % palette.length],
      data: revenueDays.map((d) => revenue.rows.filter((r) => r.day === d && seriesKey(r) === key).reduce((s, r) => s + r.netMinor, 0)) })) },
      options: { scales: moneyAxes(dayCurrencies), plugins: { tooltip: moneyTooltip } } });
    const revenueCurrencies = [...new Set(revenue.byDomain.map((t) => t.currency))].sort();
    draw('chart-revenue-domains', { type: 'bar', data: { labels: revenue.domains, datasets: revenueCurrencies.map((c, i) => ({
      label: c.toUpperCase(), currency: c, yAxisID: 'y_' + c, backgroundColor: palette[i % palette.length],
      data: revenue.domains.map((d) => revenue.byDomain.filter((t) => t.domain === d && t.currency === c).reduce((s, t) => s + t.netMinor, 0)) })) },
      options: { scales: moneyAxes(revenueCurrencies), plugins: { tooltip: moneyTooltip } } });
    // Sales: gross paid, the platform's Stripe Connect fee (0 on the platform), net = gross − fee; one axis per currency.
    const salesFigures = [['gross sales', 'grossSalesMinor'], ['platform fee', 'platformFeeMinor'], ['net sales', 'netSalesMinor']];
    draw('chart-sales-domains', { type: 'bar', data: { labels: revenue.domains, datasets: revenueCurrencies.flatMap((c, ci) => salesFigures.map(([label, field], fi) => ({
      label: label + ' (' + c.toUpperCase() + ')', currency: c, yAxisID: 'y_' + c, backgroundColor: palette[(ci * salesFigures.length + fi) % palette.length],
      data: revenue.domains.map((d) => revenue.byDomain.filter((t) => t.domain === d && t.currency === c).reduce((s, t) => s + t[field], 0)) }))) },
      options: { scales: moneyAxes(revenueCurrencies), plugins: { tooltip: moneyTooltip } } });
    const totals = $('totals');
    totals.replaceChildren();
    const stat = (label, value) => { const d = el('div'); d.dataset.stat = label; d.append(el('strong', value), el('span', label)); totals.append(d); };
    stat('credits consumed', refunds.creditsConsumed);
    stat('credits refunded', refunds.creditsRefunded);
    stat('refund rate', refunds.rate === null ? '-' : (refunds.rate * 100).toFixed(1) + ' %');
    for (const t of revenue.totals) stat('net revenue (' + t.currency.toUpperCase() + ')', money(t.netMinor, t.currency));
    for (const t of revenue.totals) {
      stat('gross sales (' + t.currency.toUpperCase() + ')', money(t.grossSalesMinor, t.currency));
      stat('platform fee (' + t.currency.toUpperCase() + ')', money(t.platformFeeMinor, t.currency));
      stat('net sales (' + t.currency.toUpperCase() + ')', money(t.netSalesMinor, t.currency));
    }
    stat('disputes', refunds.disputes.opened);
    stat('payment failures', refunds.paymentFailures);
    const back = $('bring-back');
    back.replaceChildren(...refunds.wouldBringBack.map((b) => el('li', b.text + ' (' + b.count + ')')));
  }
  async function loadRequests() {
    const p = new URLSearchParams();
    if ($('domain-filter') && $('domain-filter').value) p.set('domain', $('domain-filter').value);
    if ($('category').value) p.set('category', $('category').value);
    if ($('status').value) p.set('status', $('status').value);
    const page = await get('requests', p);
    $('requests').replaceChildren(...page.items.map((r) => {
      const tr = el('tr');
      tr.dataset.id = r.id;
      tr.append(el('td', r.createdAt.slice(0, 16).replace('T', ' ')), el('td', r.domain), el('td', r.email), el('td', r.kind), el('td', r.status), el('td', r.feedback.category),
        el('td', r.creditsRefunded), el('td', r.feedback.tried), el('td', r.feedback.didNotWork), el('td', r.feedback.wouldBringBack));
      return tr;
    }));
  }
  async function loadFeedback() {
    const p = range();
    if ($('q').value.trim()) p.set('q', $('q').value.trim());
    const answer = await get('feedback', p);
    $('feedback').replaceChildren(...answer.items.map((i) => el('li', '[' + i.domain + ' · ' + i.category + '] ' + i.tried + ' / ' + i.didNotWork + ' / ' + i.wouldBringBack)));
  }
  async function loadAll() {
    document.body.dataset.ready = '';
    await Promise.all([loadCharts(), loadRequests(), loadFeedback()]);
    document.body.dataset.ready = '1';
  }
  $('range').addEventListener('submit', (e) => { e.preventDefault(); loadAll().catch(console.error); });
  $('requests-filter').addEventListener('submit', (e) => { e.preventDefault(); document.body.dataset.ready = ''; loadRequests().then(() => { document.body.dataset.ready = '1'; }, console.error); });
  $('search').addEventListener('submit', (e) => { e.preventDefault(); document.body.dataset.ready = ''; loadFeedback().then(() => { document.body.dataset.ready = '1'; }, console.error); });
  loadAll().catch(console.error);
})();
`;
