import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { readOnRequest, requestPath, setOnRequest, type ApiRequest } from '../http/http-exchange';
import type { Role } from '@retain/domain';
import { ApiError } from '../problems/error-codes';
import type { ActiveApiKey } from '@retain/persistence';
import { ApiKeyStore } from './api-key-store';
import { PUBLIC_KEY, ROLES_KEY, SIGNED_KEY } from './roles.decorator';

/** The key a request presents as `Authorization: Bearer <key>`, or undefined. */
export function presentedKey(request: ApiRequest): string | undefined {
  const header = request.headers.authorization;
  return (header ? /^Bearer\s+(\S+)$/i.exec(header) : null)?.[1];
}

/**
 * Where the address rate limit leaves the key it read for this request's presented key
 * (rate-limit.guard.ts), so this guard does not read it again.
 */
export const KEY_LOOKED_UP = 'retainKeyLookedUp';
export interface KeyLookedUp {
  presented: string;
  apiKey: ActiveApiKey | undefined;
}

/**
 * Global guard, deny by default: a route must be @Public or name its roles. The key
 * comes as `Authorization: Bearer <key>`.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    // Signed by a vendor: the route's service authenticates the signature and checks the role of the secret's principal.
    if (this.reflector.getAllAndOverride<boolean>(SIGNED_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<ApiRequest>();
    const presented = presentedKey(request);
    const challenge = { 'WWW-Authenticate': 'Bearer realm="retain"' };
    if (!presented)
      throw new ApiError('AUTH.UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"', [], challenge);
    const lookedUp = readOnRequest<KeyLookedUp>(request, KEY_LOOKED_UP);
    const principal = await this.keys.authenticate(presented, lookedUp?.presented === presented ? lookedUp : undefined);
    if (!principal) throw new ApiError('AUTH.UNAUTHENTICATED', 'The API key is unknown or revoked', [], challenge);
    setOnRequest(request, 'principal', principal);

    const roles = this.reflector.getAllAndOverride<readonly Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || !roles.includes(principal.role)) {
      throw new ApiError(
        'AUTH.FORBIDDEN',
        `The role ${principal.role} may not ${request.method} ${requestPath(request)}`,
      );
    }
    return true;
  }
}
