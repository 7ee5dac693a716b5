import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account's profile (docs/rulebook.md §1, "Account profile"; docs/access.md, "Account
 * facts"): its vertical, its executive sponsor and champion (`{ name, email, title,
 * departedAt }`) and its lifecycle stage, all nullable: accounts known before keep no
 * profile until cs_ops or the CRM states one. The vocabularies are those of
 * libs/domain/src/accounts/account-profile.ts when this migration was written; a later
 * change of a list needs a migration of its own.
 */
export class AccountProfile1796205600000 implements MigrationInterface {
  name = 'AccountProfile1796205600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE accounts
        ADD COLUMN vertical text NULL CHECK (vertical IN ('education', 'healthcare', 'financial_services', 'retail', 'public_sector', 'technology', 'manufacturing', 'other')),
        ADD COLUMN executive_sponsor jsonb NULL CHECK (jsonb_typeof(executive_sponsor) = 'object'),
        ADD COLUMN champion jsonb NULL CHECK (jsonb_typeof(champion) = 'object'),
        ADD COLUMN lifecycle_stage text NULL CHECK (lifecycle_stage IN ('onboarding', 'adoption', 'maturity', 'renewal'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE accounts DROP COLUMN vertical, DROP COLUMN executive_sponsor, DROP COLUMN champion, DROP COLUMN lifecycle_stage`,
    );
  }
}
