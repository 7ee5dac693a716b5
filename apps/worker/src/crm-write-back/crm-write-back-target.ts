import type { AppConfig } from '@retain/config';

export type CrmName = 'hubspot' | 'salesforce';

/** The CRM record's fields Retain finds the record by and writes (docs/connectors/salesforce-write-back.md, hubspot.md). */
export interface CrmFields {
  /** The record's own Retain account id: a unique property (HubSpot), an external id field (Salesforce). */
  accountId: string;
  riskCategory: string;
  saveStatus: string;
  updatedAt: string;
}

/** Each CRM's default field names: HubSpot's property names are lower case, Salesforce's custom fields end in __c. */
export const DEFAULT_CRM_FIELDS: Readonly<Record<CrmName, CrmFields>> = {
  hubspot: {
    accountId: 'retain_account_id',
    riskCategory: 'retain_risk_category',
    saveStatus: 'retain_save_status',
    updatedAt: 'retain_updated_at',
  },
  salesforce: {
    accountId: 'Retain_Account_Id__c',
    riskCategory: 'Retain_Risk_Category__c',
    saveStatus: 'Retain_Save_Status__c',
    updatedAt: 'Retain_Updated_At__c',
  },
};

export const HUBSPOT_API_BASE_URL = 'https://api.hubapi.com';
/** The Salesforce REST API version the write-back calls: `updateOnly` on the external id resource needs 61.0 or later. */
export const SALESFORCE_API_VERSION = '62.0';

export interface CrmWriteBackTarget {
  crm: CrmName;
  baseUrl: string;
  fields: CrmFields;
}

/** Where this deployment writes back (CRM_WRITEBACK and the CRM_* fields over the CRM's defaults); null when off. */
export function crmWriteBackTarget(config: AppConfig): CrmWriteBackTarget | null {
  if (config.CRM_WRITEBACK === 'off') return null;
  const crm = config.CRM_WRITEBACK;
  const d = DEFAULT_CRM_FIELDS[crm];
  return {
    crm,
    // loadConfig requires the base URL for Salesforce.
    baseUrl: (config.CRM_API_BASE_URL ?? HUBSPOT_API_BASE_URL).replace(/\/+$/, ''),
    fields: {
      accountId: config.CRM_ACCOUNT_ID_FIELD ?? d.accountId,
      riskCategory: config.CRM_RISK_CATEGORY_FIELD ?? d.riskCategory,
      saveStatus: config.CRM_SAVE_STATUS_FIELD ?? d.saveStatus,
      updatedAt: config.CRM_UPDATED_AT_FIELD ?? d.updatedAt,
    },
  };
}

/** Whether this deployment writes back at all: the read-model writers record changes in the outbox only then. */
export function crmWriteBackOn(config: AppConfig | undefined): boolean {
  return config !== undefined && config.CRM_WRITEBACK !== 'off';
}
