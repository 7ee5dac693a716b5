import type { AccountRiskActivities } from './account-risk.definitions';
import type { PolicyBacktestActivities } from './policy-backtest.definitions';
import type { MonitoringActivities, WinBackActivities } from './post-save.definitions';
import type { RenewalActivities } from './renewal.activities';
import type { SaveEffortActivities } from './save-effort.activities';

/**
 * Every activity some workflow calls, as the workflows declare them: the worker
 * registers exactly this map (`satisfies WorkerActivities`), so an activity a workflow
 * needs and the worker lacks, or one it registers that nothing calls, is a compile error.
 */
export type WorkerActivities = RenewalActivities &
  SaveEffortActivities &
  MonitoringActivities &
  WinBackActivities &
  AccountRiskActivities &
  PolicyBacktestActivities;
