import { MetricsReadTooLarge } from '@retain/persistence';
import { ApiError } from '../problems/error-codes';

/**
 * The most rows one metrics read returns (docs/metrics.md, "Conventions"): a request that
 * would read more is a 400 METRICS.TOO_BROAD, to narrow (a shorter period, a filter),
 * so no request does unbounded work. Rollups will lift it.
 */
export const METRICS_MAX_ROWS = 50_000;

/** `read`'s result; a read past METRICS_MAX_ROWS as the 400 METRICS.TOO_BROAD. */
export async function bounded<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof MetricsReadTooLarge)
      throw new ApiError(
        'METRICS.TOO_BROAD',
        `${error.message}: more than one request reads (${error.maxRows}); narrow the period, or filter by segment, CSM or team`,
      );
    throw error;
  }
}
