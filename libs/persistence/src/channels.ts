/**
 * PostgreSQL NOTIFY channels between the api and the worker. A notification is only a
 * hint to look now: the tables stay the source of truth and the worker also polls, so
 * a notification lost while it was disconnected delays work by one poll interval at most.
 */
export const INBOX_NOTIFY_CHANNEL = 'retain_inbox';
