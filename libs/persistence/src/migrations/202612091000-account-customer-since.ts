import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Since when the company is a customer (docs/rulebook.md §1, "Account profile";
 * docs/metrics.md, "Tenure at churn"): a profile fact like the vertical, stated by cs_ops
 * or the CRM, nullable (accounts known before keep none until it is stated).
 */
export class AccountCustomerSince1796810400000 implements MigrationInterface {
  name = 'AccountCustomerSince1796810400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts ADD COLUMN customer_since date NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE accounts DROP COLUMN customer_since`);
  }
}
