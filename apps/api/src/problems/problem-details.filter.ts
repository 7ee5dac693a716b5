import { type ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { ApiReply, requestPath, requestUrl, type ApiRequest } from '../http/http-exchange';
import { ApiError, ERROR_CATALOGUE, type ErrorCode, type FieldError } from './error-codes';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance: string;
  requestId?: string;
  errors?: FieldError[];
}

function problemType(code: ErrorCode): string {
  return `urn:retain:problem:${code.toLowerCase().replace(/[._]/g, '-')}`;
}

/** Maps exceptions the framework raises itself (routing, body parsing) to our codes. */
function codeForHttpException(error: HttpException): ErrorCode {
  const status: number = error.getStatus();
  const cause = (error as { cause?: unknown }).cause;
  if (status === 400 && (cause instanceof SyntaxError || /JSON/i.test(error.message))) return 'REQUEST.MALFORMED_JSON';
  switch (status) {
    case 404: // NOT_FOUND
      return 'ROUTE.NOT_FOUND';
    case 405: // METHOD_NOT_ALLOWED
      return 'ROUTE.METHOD_NOT_ALLOWED';
    case 413: // PAYLOAD_TOO_LARGE
      return 'REQUEST.TOO_LARGE';
    case 415: // UNSUPPORTED_MEDIA_TYPE
      return 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
    case 401: // UNAUTHORIZED
      return 'AUTH.UNAUTHENTICATED';
    case 403: // FORBIDDEN
      return 'AUTH.FORBIDDEN';
    case 429: // TOO_MANY_REQUESTS (the rate limiter)
      return 'REQUEST.RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL' : 'VALIDATION.FAILED';
  }
}

/**
 * The body parser (Express's, on either stack) raises these before Nest sees the request: by type, and
 * otherwise by status for any client error it marks as safe to expose (a gzip body that
 * does not inflate is a 400 whose cause is zlib's).
 */
function codeForExpressError(error: { type?: unknown; status?: unknown; expose?: unknown }): ErrorCode | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return 'REQUEST.MALFORMED_JSON';
    case 'entity.too.large':
      return 'REQUEST.TOO_LARGE';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
    default:
      break;
  }
  if (error.expose !== true || typeof error.status !== 'number') return undefined;
  if (error.status === 413) return 'REQUEST.TOO_LARGE';
  if (error.status === 415) return 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
  return error.status >= 400 && error.status < 500 ? 'REQUEST.MALFORMED_BODY' : undefined;
}

/** PostgreSQL or its pool unreachable: a 503 the client may retry, not a 500. */
function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  return (
    (typeof code === 'string' &&
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300'].includes(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i.test(
      message,
    )
  );
}

/**
 * Renders every error as `application/problem+json` (RFC 9457) with a stable `code`.
 * Unknown errors are logged with their stack and rendered as a bare 500 that leaks
 * nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<ApiRequest>();
    const response = ApiReply.of(http.getResponse());
    let code: ErrorCode;
    let detail: string;
    let errors: FieldError[] | undefined;
    let headers: Record<string, string> = {};

    if (exception instanceof ApiError) {
      code = exception.code;
      detail = exception.detail;
      errors = exception.errors.length ? exception.errors : undefined;
      headers = exception.headers;
    } else if (exception instanceof HttpException) {
      code = codeForHttpException(exception);
      detail = code === 'INTERNAL' ? ERROR_CATALOGUE.INTERNAL.title : exception.message;
      if (code === 'ROUTE.NOT_FOUND') detail = `${request.method} ${requestPath(request)} is not a route of this API`;
      if (code === 'REQUEST.MALFORMED_JSON') detail = 'The request body could not be parsed as JSON';
    } else if (exception && typeof exception === 'object' && codeForExpressError(exception)) {
      code = codeForExpressError(exception)!;
      detail = ERROR_CATALOGUE[code].title;
    } else if (isDatabaseUnavailable(exception)) {
      code = 'DEPENDENCY.UNAVAILABLE';
      detail = 'The database is not reachable; nothing was changed, try again';
    } else {
      code = 'INTERNAL';
      detail = 'An unexpected error occurred; it has been logged with the request id';
    }

    const { status, title } = ERROR_CATALOGUE[code];
    if (status >= 500) this.logger.error({ err: exception, requestId: request.id, code }, 'request failed');

    const body: ProblemDetails = {
      type: problemType(code),
      title,
      status,
      detail,
      code,
      instance: requestUrl(request),
      ...(request.id ? { requestId: String(request.id) } : {}),
      ...(errors ? { errors } : {}),
    };
    for (const [name, value] of Object.entries(headers)) response.header(name, value);
    response.status(status).type('application/problem+json').send(JSON.stringify(body));
  }
}
