/** What every metrics operation says of its query, scope and forms (docs/metrics.md, "Conventions"). */
export const METRICS_COMMON_DESCRIPTION =
  'Period `from`..`to` (UTC dates, both included; default the 12 months to today; at most 36 months). ' +
  'Scoped by role: a CSM his own book, a CSM manager his own and his team, directors, VPs and cs_ops everything. ' +
  'Every figure carries its numerator and denominator (value null over nothing). ' +
  'With `Accept: text/csv` the answer is CSV: a header row, one row per group, the groupBy dimensions first, ' +
  'then `<figure>.value,<figure>.numerator,<figure>.denominator` for each figure.';

/** The CSV form of every metrics answer, as the OpenAPI document describes it. */
export const METRICS_CSV_DESCRIPTION = 'RFC 4180 CSV, one row per group (docs/metrics.md, "CSV")';
