import { SetMetadata, applyDecorators } from '@nestjs/common';
import { rolesFor, type AccessAction, type AccessResource, type Role } from '@retain/domain';
import { ROLES_KEY } from '../auth/roles.decorator';

export const ACCESS_KEY = 'retain:access';

export type AccessRule = { [R in AccessResource]: readonly [R, AccessAction<R>] }[AccessResource];

/**
 * The access rules a route applies (libs/domain access-policy.ts): the guard admits the
 * roles any of them grants; the service checks the caller's relation to the object.
 */
export function Access(...rules: AccessRule[]): MethodDecorator {
  const roles = [...new Set(rules.flatMap(([resource, action]) => rolesFor(resource, action as never)))] as Role[];
  return applyDecorators(SetMetadata(ROLES_KEY, roles), SetMetadata(ACCESS_KEY, rules));
}
