import 'reflect-metadata';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PATH_METADATA } from '@nestjs/common/constants';
import { loadConfig } from '@retain/config';
import { AppModule } from '../app.module';
import { ApiError } from '../problems/error-codes';
import { ApiKeyGuard, KEY_LOOKED_UP, type KeyLookedUp } from './api-key.guard';
import type { ApiKeyStore, Principal } from './api-key-store';
import { PUBLIC_KEY, ROLES_KEY, Roles, Signed } from './roles.decorator';

const csm: Principal = {
  id: 'u1',
  displayName: 'U1',
  role: 'csm',
  kind: 'person',
  managerId: null,
  keyId: 'k1',
  scopes: [],
};
const store = { authenticate: async (key: string) => (key === 'good' ? csm : undefined) } as unknown as ApiKeyStore;

function contextFor(handler: (...args: unknown[]) => unknown, authorization?: string): ExecutionContext {
  class Controller {}
  const request = { headers: authorization ? { authorization } : {}, method: 'GET', url: '/x' };
  return {
    getHandler: () => handler,
    getClass: () => Controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    return error instanceof ApiError ? error.code : String(error);
  }
}

describe('ApiKeyGuard', () => {
  const guard = new ApiKeyGuard(new Reflector(), store);

  it('denies by default: a route that names no roles is closed even to a valid key', async () => {
    const undeclared = () => undefined;
    expect(await codeOf(guard.canActivate(contextFor(undeclared, 'Bearer good')))).toBe('AUTH.FORBIDDEN');
  });

  it('admits only the roles a route names, and 401s missing or bad keys first', async () => {
    class C {
      @Roles('csm') forCsm() {}
      @Roles('cs_ops') forOps() {}
    }
    expect(await codeOf(guard.canActivate(contextFor(C.prototype.forCsm, 'Bearer good')))).toBe('allowed');
    expect(await codeOf(guard.canActivate(contextFor(C.prototype.forOps, 'Bearer good')))).toBe('AUTH.FORBIDDEN');
    expect(await codeOf(guard.canActivate(contextFor(C.prototype.forOps)))).toBe('AUTH.UNAUTHENTICATED');
    expect(await codeOf(guard.canActivate(contextFor(C.prototype.forOps, 'Bearer bad')))).toBe('AUTH.UNAUTHENTICATED');
    expect(await codeOf(guard.canActivate(contextFor(C.prototype.forOps, 'Basic good')))).toBe('AUTH.UNAUTHENTICATED');
  });

  it('authenticates from the key the address limit read for this very key, and from its own lookup otherwise', async () => {
    class C {
      @Roles('csm') forCsm() {}
    }
    const calls: Array<[string, unknown]> = [];
    const recording = {
      authenticate: async (key: string, lookedUp?: unknown) => {
        calls.push([key, lookedUp]);
        return key === 'good' ? csm : undefined;
      },
    } as unknown as ApiKeyStore;
    const withStash = (authorization: string, presented: string) => {
      const context = contextFor(C.prototype.forCsm, authorization);
      const request = context.switchToHttp().getRequest<Record<string, unknown>>();
      request[KEY_LOOKED_UP] = { presented, apiKey: undefined } satisfies KeyLookedUp;
      return context;
    };
    const recorded = new ApiKeyGuard(new Reflector(), recording);
    expect(await codeOf(recorded.canActivate(withStash('Bearer good', 'good')))).toBe('allowed');
    // A stash for another key than the one presented is not used.
    expect(await codeOf(recorded.canActivate(withStash('Bearer good', 'other')))).toBe('allowed');
    expect(await codeOf(recorded.canActivate(contextFor(C.prototype.forCsm, 'Bearer good')))).toBe('allowed');
    expect(calls).toEqual([
      ['good', { presented: 'good', apiKey: undefined }],
      ['good', undefined],
      ['good', undefined],
    ]);
  });

  it('leaves a vendor-signed route to its service: no key needed, a person’s key does not refuse it', async () => {
    class C {
      @Signed('integration') fromVendor() {}
    }
    expect(await codeOf(guard.canActivate(contextFor(C.prototype.fromVendor)))).toBe('allowed');
    expect(await codeOf(guard.canActivate(contextFor(C.prototype.fromVendor, 'Bearer good')))).toBe('allowed');
  });

  it('finds @Roles or @Public on every route of the api', () => {
    const module = AppModule.forRoot(loadConfig({ DATABASE_URL: 'postgres://u:p@localhost/db' }));
    const undeclared: string[] = [];
    let routes = 0;
    for (const controller of module.controllers ?? []) {
      const proto = (controller as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (
          name === 'constructor' ||
          typeof handler !== 'function' ||
          Reflect.getMetadata(PATH_METADATA, handler) === undefined
        )
          continue;
        routes += 1;
        const declared = Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, handler);
        if (!declared) undeclared.push(`${(controller as { name: string }).name}.${name}`);
      }
    }
    expect(routes).toBeGreaterThanOrEqual(4);
    expect(undeclared).toEqual([]);
  });
});
