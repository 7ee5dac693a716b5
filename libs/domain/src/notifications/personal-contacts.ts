/**
 * A person's own notification addresses (issue 19): a chat address, either a Slack user
 * (or channel) id that the bot's `chat.postMessage` posts to, or a per-person incoming
 * webhook URL; and a phone number in E.164 for SMS. Checked the same way by the api, the
 * keys CLI and the principals table's CHECK constraints.
 */

/** A Slack id: a capital letter then capitals and digits (U012AB3CD, W…, C… for a channel). */
const SLACK_ID = /^[A-Z][A-Z0-9]{1,39}$/;
/** E.164: a plus, a country code not starting with 0, at most 15 digits in all (7 at least). */
const E164 = /^\+[1-9][0-9]{6,14}$/;

export type ChatAddressKind = 'slack_user' | 'incoming_webhook';

/** How a chat address is reached, or null when it is neither a Slack id nor an http(s) URL. */
export function chatAddressKind(address: string): ChatAddressKind | null {
  if (SLACK_ID.test(address)) return 'slack_user';
  if (!/^https?:\/\/\S+$/.test(address) || address.length > 2000) return null;
  try {
    const url = new URL(address);
    return url.hostname ? 'incoming_webhook' : null;
  } catch {
    return null;
  }
}

/** Whether `phone` is an E.164 number (`+` and 7 to 15 digits, no spaces). */
export function isE164Phone(phone: string): boolean {
  return E164.test(phone);
}

export interface PersonalContacts {
  chat?: string | null;
  phone?: string | null;
}

/** What is wrong with the contacts, one message a field; empty when they can be stored (null clears a field). */
export function contactErrors(c: PersonalContacts): string[] {
  const errors: string[] = [];
  if (c.chat !== undefined && c.chat !== null && (typeof c.chat !== 'string' || chatAddressKind(c.chat) === null))
    errors.push('chat: a Slack user id (U012AB3CD) or an http(s):// incoming-webhook URL');
  if (c.phone !== undefined && c.phone !== null && (typeof c.phone !== 'string' || !isE164Phone(c.phone)))
    errors.push('phone: an E.164 number, e.g. +14155550123');
  return errors;
}
