import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SetMetadata } from '@nestjs/common';
import type { ApiRequest } from '../http/http-exchange';
import type { Observable } from 'rxjs';
import { STORABLE_TEXT_MESSAGE, isStorableText } from '@retain/domain';
import { ApiError } from '../problems/error-codes';

/**
 * Bounds on the shape of every request body, checked once, in linear time, before
 * validation: class-validator and class-transformer walk a body recursively and
 * compare its keys with the DTO's, so a body of 150,000 unknown keys cost tens of
 * seconds of one event loop and a body nested 100,000 deep overflowed the stack. The
 * largest legitimate bodies (1,000 renewal launches, 500 events) stay far inside them.
 */
export const INPUT_LIMITS = {
  /** Objects and arrays inside each other. */
  maxDepth: 32,
  /** Keys of any one object. */
  maxKeysPerObject: 1_000,
  /** Keys and array elements in the whole body. */
  maxNodes: 100_000,
} as const;

export type InputProblem = { kind: 'depth' | 'object_keys' | 'nodes'; field: string } | { kind: 'text'; field: string };

/** The dotted path class-validator would name (`account.name`, `items.3.account.id`). */
function join(path: string, key: string | number): string {
  return path ? `${path}.${key}` : String(key);
}

/**
 * The first problem of `value`: too deep, an object with too many keys, too many keys
 * and elements in all, or (unless `text` is false) a key or string Retain cannot store.
 * Iterative, so nesting cannot overflow the stack; stops at the first problem.
 */
export function inspectInput(value: unknown, options: { text?: boolean } = {}): InputProblem | null {
  const checkText = options.text !== false;
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 0 }];
  let nodes = 0;
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (checkText && !isStorableText(v)) return { kind: 'text', field: path };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= INPUT_LIMITS.maxDepth) return { kind: 'depth', field: path };
    if (Array.isArray(v)) {
      nodes += v.length;
      if (nodes > INPUT_LIMITS.maxNodes) return { kind: 'nodes', field: path };
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: join(path, i), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > INPUT_LIMITS.maxKeysPerObject) return { kind: 'object_keys', field: path };
    nodes += keys.length;
    if (nodes > INPUT_LIMITS.maxNodes) return { kind: 'nodes', field: path };
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (checkText && !isStorableText(key)) return { kind: 'text', field: join(path, key) };
      stack.push({ v: (v as Record<string, unknown>)[key], path: join(path, key), depth: depth + 1 });
    }
  }
  return null;
}

const TOO_COMPLEX: Record<Exclude<InputProblem['kind'], 'text'>, string> = {
  depth: `is nested more than ${INPUT_LIMITS.maxDepth} levels deep`,
  object_keys: `has more than ${INPUT_LIMITS.maxKeysPerObject} keys`,
  nodes: `takes the body past ${INPUT_LIMITS.maxNodes} keys and elements`,
};

/** Throws the 400 a problem of the body or query answers. */
export function refuseInput(problem: InputProblem | null, where: 'body' | 'query'): void {
  if (!problem) return;
  const field = problem.field || where;
  if (problem.kind === 'text')
    throw new ApiError('VALIDATION.FAILED', `Fix these fields: ${field}`, [{ field, message: STORABLE_TEXT_MESSAGE }]);
  throw new ApiError('REQUEST.TOO_COMPLEX', `The request ${where} ${TOO_COMPLEX[problem.kind]} at ${field}`, [
    { field, message: TOO_COMPLEX[problem.kind] },
  ]);
}

export const OWN_TEXT_RULE_KEY = 'retain:own-text-rule';

/**
 * A route that applies the text rule itself, per item (POST /events answers each event
 * of a batch on its own rather than refusing the batch for one bad payload).
 */
export const AppliesTextRulePerItem = () => SetMetadata(OWN_TEXT_RULE_KEY, true);

/** Applies the limits and the text rule to every request's body and query, before validation. */
@Injectable()
export class InputLimitsInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ApiRequest>();
    const ownTextRule = this.reflector.get<boolean>(OWN_TEXT_RULE_KEY, context.getHandler()) === true;
    refuseInput(inspectInput(req.query), 'query');
    refuseInput(inspectInput(req.body, { text: !ownTextRule }), 'body');
    return next.handle();
  }
}
