import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Plans and entitlements.
 * - `offerings.caps`: what a plan entitles to (feature flags and numeric limits, JSON object);
 *   `domains.free_caps`: the domain's free tier. Both default to `{}` (older catalogs stay valid).
 * - `entitlements`: the projection per (domain, customer): the facts of the subscription it
 *   derives from (written in the same transaction as that subscription's row), the state last
 *   published on `entitlements.events.changed.v1` with its version, the Stripe time it was last
 *   evaluated at (never goes back), and `changes_at`, the next boundary the scheduler publishes.
 *   Existing subscriptions are backfilled, due now, so the scheduler publishes their state once.
 */
export class Entitlements1763683200000 implements MigrationInterface {
  name = 'Entitlements1763683200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      `ALTER TABLE offerings ADD COLUMN caps jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(caps) = 'object')`,
      `ALTER TABLE domains ADD COLUMN free_caps jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(free_caps) = 'object')`,
      `CREATE TABLE entitlements (
         domain text NOT NULL,
         email text NOT NULL CHECK (email = lower(btrim(email))),
         subscription_id text NOT NULL,
         offering_id text NOT NULL,
         status text NOT NULL,
         trial_end timestamptz NULL,
         current_period_end timestamptz NULL,
         cancel_at_period_end boolean NOT NULL,
         grace_ends_at timestamptz NULL,
         plan_credits_blocked boolean NOT NULL,
         published jsonb NULL,
         version integer NOT NULL DEFAULT 0 CHECK (version >= 0),
         evaluated_at bigint NOT NULL DEFAULT 0,
         changes_at timestamptz NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (domain, email)
       )`,
      `CREATE INDEX entitlements_changes_at ON entitlements (changes_at) WHERE changes_at IS NOT NULL`,
      `INSERT INTO entitlements (domain, email, subscription_id, offering_id, status, trial_end, current_period_end, cancel_at_period_end,
         grace_ends_at, plan_credits_blocked, changes_at)
       SELECT DISTINCT ON (domain, email) domain, email, id, offering_id, status, trial_end, current_period_end, cancel_at_period_end,
         grace_ends_at, plan_credits_blocked, now()
         FROM subscriptions
        ORDER BY domain, email, (status IN ('canceled', 'incomplete_expired')), created_at DESC, id`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const statements = [
      'DROP TABLE IF EXISTS entitlements',
      'ALTER TABLE domains DROP COLUMN IF EXISTS free_caps',
      'ALTER TABLE offerings DROP COLUMN IF EXISTS caps',
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }
}
