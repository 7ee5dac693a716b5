// Entry point of the workflow bundle: every workflow function the worker registers.
export { renewalWorkflow } from './renewal.workflow';
export { saveEffortWorkflow } from './save-effort.workflow';
