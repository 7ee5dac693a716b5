/**
 * The people and systems that act in Retain (docs/rulebook.md §1). A principal has exactly
 * one role; routes declare which roles they admit.
 */
export const ROLES = ['csm', 'csm_manager', 'director', 'vp', 'sales_rep', 'product', 'cs_ops', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/** Roles held by people (everyone but integrations), e.g. for read access. */
export const PERSON_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'integration');

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;
export type Segment = (typeof SEGMENTS)[number];
