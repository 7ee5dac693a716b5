import type { ValueTransformer } from 'typeorm';

/** pg returns BIGINT as a string; money in cents stays well inside 2^53. */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
