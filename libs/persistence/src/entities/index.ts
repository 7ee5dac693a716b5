import { AccountEntity } from './account.entity';
import { ApiKeyEntity } from './api-key.entity';
import { PrincipalEntity } from './principal.entity';
import { RenewalEntity } from './renewal.entity';

export { AccountEntity, ApiKeyEntity, PrincipalEntity, RenewalEntity };
export type { PrincipalKind } from './principal.entity';
export type { RenewalStatus } from './renewal.entity';

export const ENTITIES = [PrincipalEntity, ApiKeyEntity, AccountEntity, RenewalEntity];
