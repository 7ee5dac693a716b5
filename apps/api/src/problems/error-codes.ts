/**
 * The stable error codes of the API and the HTTP status and title of each. Clients
 * branch on `code`; the filter maps every code here, and nothing else, to a response.
 */
export const ERROR_CATALOGUE = {
  'VALIDATION.FAILED': { status: 400, title: 'The request is not valid' },
  'REQUEST.MALFORMED_JSON': { status: 400, title: 'The request body is not valid JSON' },
  'REQUEST.TOO_LARGE': { status: 413, title: 'The request body is too large' },
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': { status: 415, title: 'The request body must be JSON' },
  'REQUEST.MALFORMED_BODY': {
    status: 400,
    title: 'The request body could not be read (its Content-Encoding does not decode)',
  },
  'REQUEST.TOO_COMPLEX': { status: 400, title: 'The request body is nested too deeply or has too many fields' },
  'REQUEST.RATE_LIMITED': { status: 429, title: 'Too many requests; retry after the time in Retry-After' },
  'AUTH.UNAUTHENTICATED': { status: 401, title: 'A valid API key is required' },
  'AUTH.FORBIDDEN': { status: 403, title: 'Your role may not do this' },
  'ROUTE.NOT_FOUND': { status: 404, title: 'No such route' },
  'ROUTE.METHOD_NOT_ALLOWED': { status: 405, title: 'Method not allowed' },
  'RENEWAL.NOT_FOUND': { status: 404, title: 'No such renewal' },
  'RENEWAL.CONFLICTING_LAUNCH': {
    status: 409,
    title: 'A renewal for this account and date already runs with other details',
  },
  'RENEWAL.ALREADY_CLOSED': { status: 409, title: 'The renewal for this account and date has already ended' },
  'RENEWAL.INVALID_POLICY': { status: 400, title: 'The policy overrides are not valid' },
  'RENEWAL.CLOSED': { status: 409, title: 'The renewal is closed or cancelled' },
  'RENEWAL.TASK_NOT_FOUND': { status: 404, title: 'No such task on this renewal' },
  'RENEWAL.TASK_ALREADY_DONE': { status: 409, title: 'The task is already done' },
  'RENEWAL.SIGNAL_NOT_FOUND': { status: 404, title: 'No such signal on this renewal' },
  'RENEWAL.ALREADY_DECIDED': { status: 409, title: "The customer's decision is already recorded" },
  'RENEWAL.INVALID_CHANGE': { status: 400, title: 'The change is not valid for this renewal' },
  'RENEWAL.DATE_TAKEN': { status: 409, title: 'The account already has a renewal on that date' },
  'RENEWAL.NOT_YOURS': { status: 403, title: 'The renewal is not one you own or manage' },
  'REQUEST.EMPTY_CHANGE': { status: 400, title: 'The request changes nothing' },
  'SAVE.NOT_FOUND': { status: 404, title: 'No such save effort' },
  'SAVE.ITEM_NOT_FOUND': {
    status: 404,
    title: 'No such issue, plan item, concession or graceful exit step on this save',
  },
  'SAVE.CLOSED': { status: 409, title: 'The save effort has ended' },
  'SAVE.INVALID_CHANGE': { status: 400, title: 'The change is not valid for this save effort' },
  'SAVE.CONCESSION_BEYOND_AUTHORITY': { status: 403, title: 'The concession needs more authority than your role has' },
  'SAVE.CONCESSION_OWN_REQUEST': { status: 403, title: 'Nobody approves their own concession request' },
  'SAVE.CONCESSION_REQUESTER_SENIOR': {
    status: 403,
    title: 'Nobody decides the concession request of someone above them',
  },
  'SAVE.ALREADY_DECIDED': { status: 409, title: 'Already decided' },
  'SAVE.OVERRIDE_REASON_REQUIRED': { status: 400, title: 'This concession needs an override reason' },
  'SAVE.DISCOUNT_TOO_LATE': {
    status: 409,
    title: 'A discount comes too late once the customer has committed to leave',
  },
  'SAVE.ESCALATION_CRITERIA_UNMET': {
    status: 400,
    title: 'Executive escalation needs $50K+ ARR, a strategic flag, or an override reason',
  },
  'SAVE.ESCALATION_OUT_OF_ORDER': { status: 409, title: 'That escalation step is not the next one' },
  'SAVE.NO_GRACEFUL_EXIT': {
    status: 409,
    title: 'The save has no graceful exit: it runs when a save is lost or not worth saving',
  },
  'SAVE.GRACEFUL_EXIT_STEP_DONE': { status: 409, title: 'That graceful exit step is done already' },
  'SAVE.DEBRIEF_NOT_OPEN': { status: 409, title: 'The debrief opens when a save is lost or abandoned' },
  'SAVE.NOT_YOURS': { status: 403, title: 'The save effort is not one you own or manage' },
  'MONITORING.NOT_FOUND': { status: 404, title: 'No such post-save monitoring' },
  'MONITORING.NOT_YOURS': { status: 403, title: 'The monitoring is not one you own or manage' },
  'MONITORING.CLOSED': { status: 409, title: 'The monitoring has ended' },
  'MONITORING.ALREADY_ENDED': { status: 409, title: 'A monitoring for this save already ran; there is one per save' },
  'MONITORING.PROMISE_NOT_FOUND': { status: 404, title: 'No such promise on this monitoring' },
  'MONITORING.PROMISE_TRANSITION': { status: 409, title: 'The promise cannot move to that state' },
  'MONITORING.TASK_NOT_FOUND': { status: 404, title: 'No such task on this monitoring' },
  'MONITORING.TASK_ALREADY_DONE': { status: 409, title: 'The task is already done' },
  'WIN_BACK.NOT_FOUND': { status: 404, title: 'No such win-back' },
  'WIN_BACK.NOT_YOURS': { status: 403, title: 'The win-back is not one you own or manage' },
  'WIN_BACK.CLOSED': { status: 409, title: 'The win-back has ended' },
  'WIN_BACK.INVALID': { status: 400, title: 'The change is not valid for this win-back' },
  'WIN_BACK.TOUCHPOINT_NOT_DUE': { status: 409, title: 'The touchpoint is not due yet' },
  'WIN_BACK.TOUCHPOINT_NOT_FOUND': { status: 404, title: 'No such touchpoint' },
  'WIN_BACK.TOUCHPOINT_ALREADY_DONE': { status: 409, title: 'The touchpoint is already done' },
  'ACCOUNT.NOT_FOUND': { status: 404, title: 'No such account' },
  'ACCOUNT.NOT_YOURS': { status: 403, title: 'The account is not one you own or manage' },
  'ACCOUNT.SUPPRESSION_NOT_FOUND': { status: 404, title: 'No such suppression window on the account' },
  'ALERT.NOT_FOUND': { status: 404, title: 'No such alert' },
  'NOTIFICATION.NOT_FOUND': { status: 404, title: 'No such notification of yours' },
  'ALERT.NOT_YOURS': { status: 403, title: 'The alert is not assigned to you or your team' },
  'ALERT.ALREADY_HANDLED': { status: 409, title: 'The alert is already acknowledged or resolved' },
  'ALERT.TASK_NOT_FOUND': { status: 404, title: "No such task in the alert's playbook" },
  'ALERT.TASK_ALREADY_DONE': {
    status: 409,
    title: 'The task is already done, or was cancelled when the alert was resolved',
  },
  'BACKTEST.NOT_FOUND': { status: 404, title: 'No such back-test' },
  'BACKTEST.NOT_DONE': { status: 409, title: 'The back-test is not done; its report comes when it is' },
  'BACKTEST.NO_SWEEP': { status: 404, title: 'The back-test has no threshold sweep to chart' },
  'BACKTEST.ENDED': { status: 409, title: 'The back-test has ended already (done, failed or cancelled)' },
  'POLICY.INVALID': { status: 400, title: 'The candidate policy is not valid' },
  'POLICY.BACKTEST_NOT_FOUND': { status: 409, title: 'The back-test the adoption cites does not exist' },
  'POLICY.BACKTEST_NOT_DONE': {
    status: 409,
    title: 'The back-test the adoption cites is not done (queued, running, failed or cancelled)',
  },
  'POLICY.BACKTEST_OTHER_CANDIDATE': {
    status: 409,
    title: 'The back-test the adoption cites did not run this candidate (nor any value of its sweep)',
  },
  'METRICS.TOO_BROAD': {
    status: 400,
    title: 'The metrics request reads more rows than one request may; narrow the period or filter it',
  },
  'EVENTS.SIGNATURE_INVALID': { status: 401, title: 'The event signature is missing, stale or does not verify' },
  'CONNECTORS.SIGNATURE_INVALID': {
    status: 401,
    title: 'The vendor signature is missing, stale or does not verify with an active secret of the connector',
  },
  'CONNECTORS.NOT_A_VENDOR_EVENT': { status: 400, title: "The body is not an event of the connector's vendor" },
  'CONNECTORS.UNKNOWN': { status: 404, title: 'No connector has this name' },
  'CONNECTORS.RENEWALS_NOT_GRANTED': {
    status: 403,
    title: 'The connector may not act on renewals: its mapping does not opt in, or its secret lacks the renewals scope',
  },
  'EVENTS.SCOPE_REQUIRED': { status: 403, title: 'The integration key lacks the scope this event type needs' },
  'IDEMPOTENCY.KEY_REUSED': { status: 409, title: 'The Idempotency-Key was used for a different request' },
  'WORKFLOW.REFUSED': { status: 409, title: 'The workflow refused the change in its current state' },
  'DEPENDENCY.UNAVAILABLE': { status: 503, title: 'A service the API depends on is unavailable' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface FieldError {
  field: string;
  message: string;
}

/** A business or request error with a stable code; the filter renders it. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}
