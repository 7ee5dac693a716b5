import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { requestPath, setOnRequest, type ApiRequest } from '../http/http-exchange';
import type { Role } from '@retain/domain';
import { ApiError } from '../problems/error-codes';
import { ApiKeyStore } from './api-key-store';
import { PUBLIC_KEY, ROLES_KEY, SIGNED_KEY } from './roles.decorator';

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
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const challenge = { 'WWW-Authenticate': 'Bearer realm="retain"' };
    if (!match)
      throw new ApiError('AUTH.UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"', [], challenge);
    const principal = await this.keys.authenticate(match[1]!);
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
