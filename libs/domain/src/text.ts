/**
 * Text Retain can store and show: no U+0000 (PostgreSQL's text and jsonb refuse it)
 * and well-formed UTF-16, that is no unpaired surrogate (it has no UTF-8 form, so the
 * database refuses it or mangles it into U+FFFD). One rule for every input: the api
 * applies it to every request body and query, the event catalogue to each payload.
 */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** U+0000, a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what the rule refuses
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const STORABLE_TEXT_MESSAGE = 'must not contain U+0000 or an unpaired UTF-16 surrogate';
