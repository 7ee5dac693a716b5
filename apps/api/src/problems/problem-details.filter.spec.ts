import type { ArgumentsHost } from '@nestjs/common';
import { Logger, NotFoundException } from '@nestjs/common';
import { ApiError } from './error-codes';
import { ProblemDetailsFilter } from './problem-details.filter';

function render(exception: unknown): { status: number; type: string; body: Record<string, unknown> } {
  const out = { status: 0, type: '', body: {} as Record<string, unknown> };
  const response = {
    // An Express response (ApiReply writes its headers with setHeader).
    setHeader(name: string, value: string) {
      if (name.toLowerCase() === 'content-type') out.type = value;
    },
    status(code: number) {
      out.status = code;
      return this;
    },
    send(text: string) {
      out.body = JSON.parse(text) as Record<string, unknown>;
    },
  };
  const request = { method: 'GET', path: '/x', originalUrl: '/x?y=1', url: '/x?y=1', id: 'req-1' };
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(exception, host);
  return out;
}

describe('ProblemDetailsFilter', () => {
  it('renders coded errors as problem+json with field errors and the request id', () => {
    const r = render(new ApiError('VALIDATION.FAILED', 'Fix these fields: a', [{ field: 'a', message: 'bad' }]));
    expect(r).toEqual({
      status: 400,
      type: 'application/problem+json; charset=utf-8',
      body: {
        type: 'urn:retain:problem:validation-failed',
        title: 'The request is not valid',
        status: 400,
        detail: 'Fix these fields: a',
        code: 'VALIDATION.FAILED',
        instance: '/x?y=1',
        requestId: 'req-1',
        errors: [{ field: 'a', message: 'bad' }],
      },
    });
  });

  it('maps framework exceptions to codes', () => {
    expect(render(new NotFoundException()).body.code).toBe('ROUTE.NOT_FOUND');
    expect(render(Object.assign(new Error('bad json'), { type: 'entity.parse.failed', status: 400 })).body.code).toBe(
      'REQUEST.MALFORMED_JSON',
    );
  });

  it('answers 503 when the database is unreachable and a bare 500 otherwise, leaking nothing but logging it', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const db = render(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(db.status).toBe(503);
    expect(db.body.code).toBe('DEPENDENCY.UNAVAILABLE');
    const boom = render(new Error('secret internals'));
    expect(boom.status).toBe(500);
    expect(JSON.stringify(boom.body)).not.toContain('secret');
    expect(logged).toHaveBeenCalledTimes(2);
    logged.mockRestore();
  });
});
