// Entry point of the workflow bundle: every workflow function the worker registers.
export { renewalWorkflow } from './renewal.workflow';
export { saveEffortWorkflow } from './save-effort.workflow';
export { postSaveMonitoringWorkflow } from './post-save-monitoring.workflow';
export { winBackWorkflow } from './win-back.workflow';
export { accountRiskWorkflow } from './account-risk.workflow';
export { policyBacktestWorkflow } from './policy-backtest.workflow';
