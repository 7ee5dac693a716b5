/** Told (a window event) when a page changed alerts: the badge of open alerts reads them again. */
export const ALERTS_CHANGED = 'retain:alerts-changed';
/** Told when notifications were marked read: the unread badge reads them again. */
export const NOTIFICATIONS_CHANGED = 'retain:notifications-changed';

/** The alerts handled in this tab: the badge leaves them out before the api's list has caught up. */
export const handledAlerts = new Set<string>();

export function alertHandled(id: string): void {
  handledAlerts.add(id);
  window.dispatchEvent(new Event(ALERTS_CHANGED));
}

export function notificationsChanged(): void {
  window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED));
}
