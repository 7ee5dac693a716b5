/**
 * The ids Retain gives its workflows and read-model rows, in one place: the path
 * parameters' OpenAPI patterns, the services' early 404 for an id that cannot exist and
 * the keyset cursors' tie-breakers all read them from here. Workflow ids are
 * `<kind>:<accountId>:<date>` (docs/rulebook.md names them); an alert is
 * `alert:<accountId>:<sequence>`.
 */
import { PLAYBOOK_STEP_KEY_PATTERN } from '@retain/domain';

/** An account id (or any id that ends up inside a workflow id): no separators, no spaces. */
export const ACCOUNT_ID_PART = '[A-Za-z0-9][A-Za-z0-9._-]{0,127}';

const dated = (kind: string) => `^${kind}:${ACCOUNT_ID_PART}:\\d{4}-\\d{2}-\\d{2}$`;

export const RENEWAL_ID_PATTERN = dated('renewal');
export const SAVE_ID_PATTERN = dated('save');
export const MONITORING_ID_PATTERN = dated('monitoring');
export const WIN_BACK_ID_PATTERN = dated('winback');
/** The account id and the alert's sequence number are captured. */
export const ALERT_ID_PATTERN = `^alert:(${ACCOUNT_ID_PART}):(\\d{1,9})$`;
/** A task of an alert's playbook: its step's key, with `-<n>` for the n-th occurrence of a recurring step (at most 40). */
export const PLAYBOOK_TASK_ID_PATTERN = `^${PLAYBOOK_STEP_KEY_PATTERN}(-[0-9]{1,2})?$`;

export const RENEWAL_ID = new RegExp(RENEWAL_ID_PATTERN);
export const SAVE_ID = new RegExp(SAVE_ID_PATTERN);
export const MONITORING_ID = new RegExp(MONITORING_ID_PATTERN);
export const WIN_BACK_ID = new RegExp(WIN_BACK_ID_PATTERN);
export const ALERT_ID = new RegExp(ALERT_ID_PATTERN);
export const PLAYBOOK_TASK_ID = new RegExp(PLAYBOOK_TASK_ID_PATTERN);
