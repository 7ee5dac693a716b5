import { CreatePrincipalsAndApiKeys202611221200 } from './202611221200-create-principals-and-api-keys';
import { CreateAccountsAndRenewals202611221210 } from './202611221210-create-accounts-and-renewals';

/** Every migration, in order. New ones are appended here. */
export const MIGRATIONS = [CreatePrincipalsAndApiKeys202611221200, CreateAccountsAndRenewals202611221210];
