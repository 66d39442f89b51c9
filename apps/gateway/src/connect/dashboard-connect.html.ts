import { ConnectDomainState } from '@credit-hub/contracts';
import { esc } from '../portal/portal.html';

const style = `body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1.25rem;background:#1d2330;color:#fff}
header h1{font-size:1.1rem;margin:0;flex:1}header a{color:#fff}
main{padding:1rem 1.25rem}section{background:#fff;border-radius:8px;padding:1rem;box-shadow:0 1px 2px #0002;margin-bottom:1rem}
table{width:100%;border-collapse:collapse;font-size:.9rem}th,td{text-align:left;padding:.35rem;border-bottom:1px solid #e3e6ea;vertical-align:top}
.status{font-weight:600}.ready{color:#1a7f37}.onboarding,.restricted{color:#9a6700}.disconnected{color:#cf222e}.none{color:#57606a}
p.error{color:#cf222e}`;

const explanations: Record<string, string> = {
  none: 'Sells on the platform\'s Stripe account.',
  onboarding: 'Stripe is waiting for the onboarding to finish; checkouts are refused until then.',
  restricted: 'Stripe has not enabled charges (see what it still needs); checkouts are refused.',
  ready: 'Checkouts are direct charges on your Stripe account.',
  disconnected: 'You disconnected the platform in Stripe; checkouts are refused until you connect again.',
};

/**
 * The dashboard's Connect page, server-rendered (every value escaped, no script): each domain's
 * connected Stripe account, status, what Stripe still needs and the platform's fee terms, and a
 * button per domain (and one for all of a builder's domains) that starts onboarding: a POST to
 * `/dashboard/connect/onboarding` answered with a redirect to Stripe's hosted page.
 */
export function renderConnectPage(title: string, states: ConnectDomainState[], error: string | null): string {
  const rows = states
    .map((state) => {
      const action = state.status === 'ready' ? 'Update details' : state.status === 'none' || state.status === 'disconnected' ? 'Connect Stripe' : 'Continue onboarding';
      return `<tr><td>${esc(state.domain)}</td><td>${esc(state.accountId ?? '—')}</td>
<td><span class="status ${esc(state.status)}">${esc(state.status)}</span><br><small>${esc(explanations[state.status] ?? '')}</small></td>
<td>${state.requirementsDue.length > 0 ? esc(state.requirementsDue.join(', ')) : '—'}</td>
<td>${esc(formatBps(state.applicationFeeBps))}${state.refundApplicationFee ? ', given back on refunds' : ', kept on refunds'}</td>
<td><form method="post" action="/dashboard/connect/onboarding"><input type="hidden" name="domain" value="${esc(state.domain)}"><button type="submit">${esc(action)}</button></form></td></tr>`;
    })
    .join('\n');
  const all = states.length > 1
    ? `<form method="post" action="/dashboard/connect/onboarding"><button type="submit">Connect all ${states.length} domains to one Stripe account</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Stripe Connect: ${esc(title)}</title><style>${style}</style></head><body>
<header><h1>Stripe Connect: ${esc(title)}</h1><a href="/dashboard">Analytics</a>
<form method="post" action="/dashboard/sign-out"><button type="submit">Sign out</button></form></header>
<main><section><h2>Your own Stripe account</h2>
<p>Connect your Stripe account to be paid directly: sales of a connected domain are charged on your account and the platform's fee is deducted at checkout. Refunds, feedback and credits work as before.</p>
${error ? `<p class="error">${esc(error)}</p>` : ''}
<table><thead><tr><th>Domain</th><th>Stripe account</th><th>Status</th><th>Stripe still needs</th><th>Platform fee</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>${all}</section></main></body></html>`;
}

/** Basis points as a percentage (500 → "5%", 525 → "5.25%"). */
export function formatBps(bps: number): string {
  return `${(bps / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}
