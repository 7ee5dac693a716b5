/** Told (a window event) when a page changed alerts: the badge of open alerts reads them again. */
export const ALERTS_CHANGED = 'retain:alerts-changed';
