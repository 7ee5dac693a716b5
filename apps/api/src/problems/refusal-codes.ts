import type { Refusal } from '@retain/workflows';
import type { ErrorCode } from './error-codes';

/**
 * The api's answer to each refusal a workflow gives (workflows/refusals.ts): one table,
 * exhaustive by type (a refusal missing here does not compile), so every refusal is the
 * 4xx it means.
 */
export const REFUSAL_CODES = {
  RenewalTaskNotFound: 'RENEWAL.TASK_NOT_FOUND',
  RenewalTaskAlreadyDone: 'RENEWAL.TASK_ALREADY_DONE',
  RenewalAlreadyDecided: 'RENEWAL.ALREADY_DECIDED',
  RenewalClosed: 'RENEWAL.CLOSED',
  RenewalInvalidChange: 'RENEWAL.INVALID_CHANGE',
  RenewalSignalNotFound: 'RENEWAL.SIGNAL_NOT_FOUND',
  SaveItemNotFound: 'SAVE.ITEM_NOT_FOUND',
  SaveClosed: 'SAVE.CLOSED',
  SaveInvalidChange: 'SAVE.INVALID_CHANGE',
  SaveConcessionBeyondAuthority: 'SAVE.CONCESSION_BEYOND_AUTHORITY',
  SaveConcessionOwnRequest: 'SAVE.CONCESSION_OWN_REQUEST',
  SaveAlreadyDecided: 'SAVE.ALREADY_DECIDED',
  SaveOverrideReasonRequired: 'SAVE.OVERRIDE_REASON_REQUIRED',
  SaveDiscountTooLate: 'SAVE.DISCOUNT_TOO_LATE',
  SaveEscalationCriteriaUnmet: 'SAVE.ESCALATION_CRITERIA_UNMET',
  SaveNoGracefulExit: 'SAVE.NO_GRACEFUL_EXIT',
  SaveGracefulExitStepDone: 'SAVE.GRACEFUL_EXIT_STEP_DONE',
  MonitoringTaskNotFound: 'MONITORING.TASK_NOT_FOUND',
  MonitoringClosed: 'MONITORING.CLOSED',
  MonitoringTaskAlreadyDone: 'MONITORING.TASK_ALREADY_DONE',
  WinBackTouchpointNotFound: 'WIN_BACK.TOUCHPOINT_NOT_FOUND',
  WinBackClosed: 'WIN_BACK.CLOSED',
  WinBackInvalidChange: 'WIN_BACK.INVALID',
  WinBackTouchpointAlreadyDone: 'WIN_BACK.TOUCHPOINT_ALREADY_DONE',
  WinBackTouchpointNotDue: 'WIN_BACK.TOUCHPOINT_NOT_DUE',
  AlertNotFound: 'ALERT.NOT_FOUND',
  AlertAlreadyHandled: 'ALERT.ALREADY_HANDLED',
  AlertTaskNotFound: 'ALERT.TASK_NOT_FOUND',
  AlertTaskAlreadyDone: 'ALERT.TASK_ALREADY_DONE',
  SuppressionNotFound: 'ACCOUNT.SUPPRESSION_NOT_FOUND',
} as const satisfies Record<Refusal, ErrorCode>;

/** The error code of a refusal type; a type no workflow declares (an older worker's) is a generic 409. */
export function codeOfRefusal(type: string | undefined): ErrorCode {
  return type !== undefined && Object.hasOwn(REFUSAL_CODES, type) ? REFUSAL_CODES[type as Refusal] : 'WORKFLOW.REFUSED';
}
