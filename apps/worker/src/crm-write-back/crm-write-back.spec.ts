import { loadConfig } from '@retain/config';
import type { ClaimedCrmWriteBack } from '@retain/persistence';
import { CrmWriteError, retryAfterMs, retryableStatus } from './crm-record-writer';
import { afterCrmFailure, recordUpdate } from './crm-write-back-dispatcher';
import { crmWriteBackOn, crmWriteBackTarget } from './crm-write-back-target';

const DATABASE_URL = 'postgres://u:p@localhost:5432/retain';

describe('the CRM write-back target', () => {
  it('is none when off, and names each CRM default fields', () => {
    expect(crmWriteBackTarget(loadConfig({ DATABASE_URL }))).toBeNull();
    expect(crmWriteBackOn(loadConfig({ DATABASE_URL }))).toBe(false);
    expect(crmWriteBackOn(undefined)).toBe(false);
    const hubspot = loadConfig({ DATABASE_URL, CRM_WRITEBACK: 'hubspot', CRM_ACCESS_TOKEN: 't' });
    expect(crmWriteBackOn(hubspot)).toBe(true);
    expect(crmWriteBackTarget(hubspot)).toEqual({
      crm: 'hubspot',
      baseUrl: 'https://api.hubapi.com',
      fields: {
        accountId: 'retain_account_id',
        riskCategory: 'retain_risk_category',
        saveStatus: 'retain_save_status',
        updatedAt: 'retain_updated_at',
      },
    });
    const salesforce = loadConfig({
      DATABASE_URL,
      CRM_WRITEBACK: 'salesforce',
      CRM_API_BASE_URL: 'https://acme.my.salesforce.com/',
      CRM_ACCESS_TOKEN: 't',
      CRM_RISK_CATEGORY_FIELD: 'Churn_Risk__c',
    });
    expect(crmWriteBackTarget(salesforce)).toEqual({
      crm: 'salesforce',
      baseUrl: 'https://acme.my.salesforce.com',
      fields: {
        accountId: 'Retain_Account_Id__c',
        riskCategory: 'Churn_Risk__c',
        saveStatus: 'Retain_Save_Status__c',
        updatedAt: 'Retain_Updated_At__c',
      },
    });
  });
});

describe('a CRM record update', () => {
  const target = crmWriteBackTarget(loadConfig({ DATABASE_URL, CRM_WRITEBACK: 'hubspot', CRM_ACCESS_TOKEN: 't' }))!;
  const row = (over: Partial<ClaimedCrmWriteBack>): ClaimedCrmWriteBack => ({
    accountId: 'acc-1',
    field: 'risk_category',
    value: 'red',
    changedAt: new Date('2027-01-01T00:00:00Z'),
    attempts: 0,
    recordChangedAt: new Date('2027-01-01T00:00:00Z'),
    ...over,
  });

  it("carries each field's value and the latest change of the record", () => {
    expect(
      recordUpdate(target, [
        row({}),
        row({
          field: 'save_status',
          value: 'active',
          changedAt: new Date('2027-01-02T00:00:00Z'),
          recordChangedAt: new Date('2027-01-03T00:00:00Z'),
        }),
      ]),
    ).toEqual({
      retain_risk_category: 'red',
      retain_save_status: 'active',
      retain_updated_at: '2027-01-03T00:00:00.000Z',
    });
  });
});

describe('after a failed CRM write', () => {
  it('retries after 30 s doubling, and gives up after the last attempt', () => {
    expect(afterCrmFailure(1, new Error('ECONNREFUSED'))).toEqual({ givenUp: false, delayMs: 30_000 });
    expect(afterCrmFailure(3, new CrmWriteError('500', false))).toEqual({ givenUp: false, delayMs: 120_000 });
    expect(afterCrmFailure(8, new CrmWriteError('500', false))).toEqual({ givenUp: true, delayMs: 0 });
  });

  it('gives up at once when the CRM refuses for good', () => {
    expect(afterCrmFailure(1, new CrmWriteError('404', true))).toEqual({ givenUp: true, delayMs: 0 });
  });

  it("waits the CRM's Retry-After when it is longer than the backoff, at most an hour", () => {
    expect(afterCrmFailure(1, new CrmWriteError('429', false, 120_000))).toEqual({ givenUp: false, delayMs: 120_000 });
    expect(afterCrmFailure(1, new CrmWriteError('429', false, 5_000))).toEqual({ givenUp: false, delayMs: 30_000 });
    expect(afterCrmFailure(1, new CrmWriteError('429', false, 86_400_000))).toEqual({
      givenUp: false,
      delayMs: 3_600_000,
    });
  });

  it('reads a Retry-After in seconds or as a date, and knows which statuses to retry', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    expect(retryAfterMs('10', now)).toBe(10_000);
    expect(retryAfterMs('Fri, 01 Jan 2027 00:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs(undefined, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
    expect([400, 401, 404, 408, 429, 500, 503].map(retryableStatus)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });
});
