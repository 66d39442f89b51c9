import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import {
  CompleteConnectOAuthCommand,
  ConnectOAuthResult,
  ConnectOAuthStartResult,
  normalizeDomain,
  Reply,
  replyOk,
  replyRefused,
  StartConnectOAuthCommand,
} from '@credit-hub/contracts';
import { BillingConfig } from '../billing.config';
import { InjectStripe } from '../stripe/stripe.client';
import { connectOAuthStateKey, issueConnectOAuthState, verifyConnectOAuthState } from './connect-oauth-state';
import { ConnectService } from './connect.service';

/** How long a state (and so the authorize URL) is accepted: the builder's time on Stripe's page. Stripe's codes live 5 minutes. */
const stateLifetimeSeconds = 15 * 60;
/** Used or expired states are deleted after this long (kept a day for support questions). */
const stateRetentionSeconds = 24 * 3600;

/**
 * Connect OAuth: a builder that already has a Stripe account connects it instead of onboarding a
 * new one (https://docs.stripe.com/connect/oauth-reference, Standard accounts).
 * - `start`: records the request (domains, return URL) and answers Stripe's authorize URL
 *   (`/oauth/authorize`, `response_type=code`, `client_id` = STRIPE_CONNECT_CLIENT_ID,
 *   `scope=read_write`, the gateway's `redirect_uri`, and a signed, single-use, expiring `state`,
 *   `connect-oauth-state.ts`). Refused: `connect_oauth_not_configured` without a client id,
 *   `validation_failed` for a domain not in the catalog.
 * - `complete` (the callback): checks the state (signature, expiry, unused), exchanges the code
 *   (`POST /oauth/token`, the SDK's `oauth.token`) for the account id (`stripe_user_id`), reads the
 *   account and connects it to the state's domains with the onboarding's state machine
 *   (`ConnectService.connect`: `connected-account-updated.v1` published, a reconnection of a
 *   deauthorized account included), then marks the state used, all in one transaction. Refused:
 *   `validation_failed` (bad, expired or used state; the builder declined; a code Stripe does not
 *   accept; a domain on another live account), `stripe_unavailable`.
 * Neither the state token nor the code is logged or stored.
 */
@Injectable()
export class ConnectOAuthService {
  private readonly logger = new Logger('ConnectOAuth');
  private readonly stateKey: Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
    private readonly connect: ConnectService,
    private readonly config: BillingConfig,
  ) {
    this.stateKey = connectOAuthStateKey(config.STRIPE_SECRET_KEY);
  }

  async start(command: StartConnectOAuthCommand): Promise<Reply<ConnectOAuthStartResult>> {
    const clientId = this.config.STRIPE_CONNECT_CLIENT_ID;
    if (!clientId) return replyRefused('connect_oauth_not_configured', 'this hub has no Stripe Connect client id (STRIPE_CONNECT_CLIENT_ID); use the onboarding instead');
    const domains = [...new Set(command.domains.map(normalizeDomain))].sort();
    const known: { domain: string }[] = await this.dataSource.query('SELECT domain FROM domains WHERE domain = ANY($1::text[])', [domains]);
    const unknown = domains.filter((domain) => !known.some((row) => row.domain === domain));
    if (unknown.length > 0) return replyRefused('validation_failed', `not in the catalog: ${unknown.join(', ')}`, 'domains');
    const expiresAt = Math.floor(Date.now() / 1000) + stateLifetimeSeconds;
    const state = issueConnectOAuthState(this.stateKey, expiresAt);
    await this.dataSource.query('DELETE FROM connect_oauth_states WHERE expires_at < now() - make_interval(secs => $1)', [stateRetentionSeconds]);
    await this.dataSource.query(
      'INSERT INTO connect_oauth_states (id, domains, return_url, expires_at) VALUES ($1, $2::text[], $3, to_timestamp($4))',
      [state.id, domains, command.returnUrl, expiresAt],
    );
    const url = new URL('/oauth/authorize', this.connectBaseUrl());
    url.search = new URLSearchParams({ response_type: 'code', client_id: clientId, scope: 'read_write', redirect_uri: command.redirectUri, state: state.token }).toString();
    this.logger.log(`Connect OAuth started for ${domains.join(', ')} (request ${state.id.slice(0, 6)}…)`);
    return replyOk({ authorizeUrl: url.toString(), domains, expiresAt: new Date(expiresAt * 1000).toISOString() });
  }

  async complete(command: CompleteConnectOAuthCommand): Promise<Reply<ConnectOAuthResult>> {
    const verified = verifyConnectOAuthState(this.stateKey, command.state, Math.floor(Date.now() / 1000));
    if (typeof verified === 'string') return replyRefused('validation_failed', verified, 'state');
    if (command.error !== undefined) {
      this.logger.warn(`Connect OAuth request ${verified.id.slice(0, 6)}… declined on Stripe (${command.error})`);
      return replyRefused('validation_failed', `Stripe answered ${command.error}: the account was not connected`, 'error');
    }
    if (command.code === undefined) return replyRefused('validation_failed', 'the callback carries no authorization code', 'code');
    const code = command.code;
    try {
      return await this.dataSource.transaction(async (manager): Promise<Reply<ConnectOAuthResult>> => {
        const [row]: { domains: string[]; return_url: string }[] = await manager.query(
          'SELECT domains, return_url FROM connect_oauth_states WHERE id = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE',
          [verified.id],
        );
        if (!row) return replyRefused('validation_failed', 'the state was already used or has expired; start connecting again', 'state');
        let accountId: string;
        try {
          const token = await this.stripe.oauth.token({ grant_type: 'authorization_code', code });
          if (!token.stripe_user_id) return replyRefused('validation_failed', 'Stripe named no account for the code', 'code');
          accountId = token.stripe_user_id;
        } catch (error) {
          if (error instanceof Stripe.errors.StripeOAuthError) {
            this.logger.warn(`Connect OAuth request ${verified.id.slice(0, 6)}…: Stripe refused the code (${error.type})`);
            return replyRefused('validation_failed', 'Stripe did not accept the authorization code (expired or already used); start connecting again', 'code');
          }
          throw error;
        }
        const account = await this.stripe.accounts.retrieve(accountId);
        const connected = await this.connect.connect(manager, row.domains, account);
        if (!connected.ok) return connected;
        await manager.query('UPDATE connect_oauth_states SET used_at = now(), account_id = $2 WHERE id = $1', [verified.id, accountId]);
        return replyOk({ ...connected.value, returnUrl: row.return_url });
      });
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      this.logger.warn(`Connect OAuth request ${verified.id.slice(0, 6)}…: Stripe failed (${error.type})`);
      return replyRefused('stripe_unavailable', 'Stripe could not complete the connection now; try again');
    }
  }

  /** Where Stripe's OAuth pages live: connect.stripe.com, or the stand-in's own URL. */
  private connectBaseUrl(): string {
    return this.config.STRIPE_API_BASE_URL === 'stripe' ? 'https://connect.stripe.com' : this.config.STRIPE_API_BASE_URL;
  }
}
