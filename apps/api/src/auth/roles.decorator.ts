import { SetMetadata, applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from '@retain/domain';
import type { Principal } from './api-key-store';

export const ROLES_KEY = 'retain:roles';
export const PUBLIC_KEY = 'retain:public';
export const SIGNED_KEY = 'retain:signed';

/** The roles a route admits. A route without @Roles or @Public is closed to everyone. */
export const Roles = (...roles: readonly Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route anyone may call without a key (health, documentation). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * A route a vendor calls without an API key (POST /connectors/{name}): its service
 * authenticates the request by the vendor's signature, whose secret names the
 * integration principal, and checks that principal's role (`roles`, which this names
 * for the record: the guard does not apply them; docs/connectors/README.md). The
 * per-address rate limit still applies.
 */
export const Signed = (...roles: readonly Role[]) =>
  applyDecorators(SetMetadata(SIGNED_KEY, true), SetMetadata(ROLES_KEY, roles));

/** The authenticated caller. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
