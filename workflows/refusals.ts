/**
 * Every refusal a workflow answers an update with, by workflow: the ApplicationFailure
 * type its validator throws. The api maps each to one of its stable error codes in one
 * exhaustive table (apps/api/src/problems/refusal-codes.ts), so a refusal the table
 * lacks is a compile error, never a 500.
 */
import { ApplicationFailure } from '@temporalio/workflow';

export const REFUSALS = {
  renewal: {
    taskNotFound: 'RenewalTaskNotFound',
    taskAlreadyDone: 'RenewalTaskAlreadyDone',
    alreadyDecided: 'RenewalAlreadyDecided',
    closed: 'RenewalClosed',
    invalid: 'RenewalInvalidChange',
    signalNotFound: 'RenewalSignalNotFound',
  },
  save: {
    notFound: 'SaveItemNotFound',
    closed: 'SaveClosed',
    invalid: 'SaveInvalidChange',
    beyondAuthority: 'SaveConcessionBeyondAuthority',
    ownRequest: 'SaveConcessionOwnRequest',
    alreadyDecided: 'SaveAlreadyDecided',
    overrideRequired: 'SaveOverrideReasonRequired',
    discountTooLate: 'SaveDiscountTooLate',
    escalationCriteria: 'SaveEscalationCriteriaUnmet',
    noGracefulExit: 'SaveNoGracefulExit',
    exitStepDone: 'SaveGracefulExitStepDone',
  },
  monitoring: {
    notFound: 'MonitoringTaskNotFound',
    closed: 'MonitoringClosed',
    alreadyDone: 'MonitoringTaskAlreadyDone',
  },
  winBack: {
    notFound: 'WinBackTouchpointNotFound',
    closed: 'WinBackClosed',
    invalid: 'WinBackInvalidChange',
    alreadyDone: 'WinBackTouchpointAlreadyDone',
    notDue: 'WinBackTouchpointNotDue',
  },
  alert: {
    notFound: 'AlertNotFound',
    alreadyHandled: 'AlertAlreadyHandled',
    suppressionNotFound: 'SuppressionNotFound',
    taskNotFound: 'AlertTaskNotFound',
    taskAlreadyDone: 'AlertTaskAlreadyDone',
  },
} as const;

type ValuesOf<T> = T[keyof T];
export type Refusal = { [W in keyof typeof REFUSALS]: ValuesOf<(typeof REFUSALS)[W]> }[keyof typeof REFUSALS];

/** Refuses an update from its validator: nothing of the workflow changes, the caller gets the refusal. */
export function refuse(type: Refusal, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}
