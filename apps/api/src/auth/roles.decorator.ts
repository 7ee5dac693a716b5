import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from '@retain/domain';
import type { Principal } from './api-key-store';

export const ROLES_KEY = 'retain:roles';
export const PUBLIC_KEY = 'retain:public';

/** The roles a route admits. A route without @Roles or @Public is closed to everyone. */
export const Roles = (...roles: readonly Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route anyone may call without a key (health, documentation). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
