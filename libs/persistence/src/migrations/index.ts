import { CreatePrincipalsAndApiKeys1795348800000 } from './202611221200-create-principals-and-api-keys';
import { CreateAccountsAndRenewals1795349400000 } from './202611221210-create-accounts-and-renewals';
import { RenewalTimeline1795352400000 } from './202611221300-renewal-timeline';
import { CreateSaveEfforts1795356000000 } from './202611221400-create-save-efforts';
import { CreateSaveDebriefs1795359600000 } from './202611221500-create-save-debriefs';
import { CreateIdempotencyKeys1795363200000 } from './202611221600-create-idempotency-keys';
import { MonitoringAndWinBackReadModels1795367400000 } from './202611221710-monitoring-and-win-back-read-models';
import { EventIngestion1795370400000 } from './202611221800-event-ingestion';
import { Alerts1795372200000 } from './202611221830-alerts';
import { NotificationDelivery1795374000000 } from './202611221900-notification-delivery';
import { RecipientTiming1795375800000 } from './202611221930-recipient-timing';
import { SaveListKeysetIndex1796040000000 } from './202611301200-save-list-keyset-index';
import { AuthorityAndIntegrity1796119200000 } from './202612011000-authority-and-integrity';
import { AccountProfile1796205600000 } from './202612021000-account-profile';
import { HeldEvents1796738400000 } from './202612081400-held-events';
import { AccountCustomerSince1796810400000 } from './202612091000-account-customer-since';
import { SaveEffortMetrics1797328800000 } from './202612151000-save-effort-metrics';
import { SaveEffortsStartedIndex1797415200000 } from './202612161000-save-efforts-started-index';
import { MetricsRollupSupport1797465600000 } from './202612170000-metrics-rollup-support';
import { MetricsAlertRollups1797469200000 } from './202612170100-metrics-alert-rollups';
import { MetricsSaveRollups1797472800000 } from './202612170200-metrics-save-rollups';
import { MetricsRenewalRollups1797476400000 } from './202612170300-metrics-renewal-rollups';
import { MetricsProgrammeRollups1797480000000 } from './202612170400-metrics-programme-rollups';
import { PolicyBacktests1797483600000 } from './202612170500-policy-backtests';
import { PolicyAdoptions1797487200000 } from './202612170600-policy-adoptions';
import { PolicyAdoptionIdempotency1797490800000 } from './202612170700-policy-adoption-idempotency';
import { AlertMetricsSegment1797552000000 } from './202612180000-alert-metrics-segment';
import { PersonalNotificationChannels1797584400000 } from './202612180900-personal-notification-channels';
import { Connectors1797638400000 } from './202612190000-connectors';
import { ConnectorEventObjects1797724800000 } from './202612200000-connector-event-objects';
import { ConnectorRenewals1797811200000 } from './202612210000-connector-renewals';
import { PolicyRegistry1797814800000 } from './202612210100-policy-registry';
import { SegmentUsageRollup1797832800000 } from './202612210600-segment-usage-rollup';
import { CrmWriteBacks1797858000000 } from './202612211300-crm-write-backs';
import { AlertRollupYears1797984000000 } from './202612230000-alert-rollup-years';

/** Every migration, in order. New ones are appended here. */
export const MIGRATIONS = [
  CreatePrincipalsAndApiKeys1795348800000,
  CreateAccountsAndRenewals1795349400000,
  RenewalTimeline1795352400000,
  CreateSaveEfforts1795356000000,
  CreateSaveDebriefs1795359600000,
  CreateIdempotencyKeys1795363200000,
  MonitoringAndWinBackReadModels1795367400000,
  EventIngestion1795370400000,
  Alerts1795372200000,
  NotificationDelivery1795374000000,
  RecipientTiming1795375800000,
  SaveListKeysetIndex1796040000000,
  AuthorityAndIntegrity1796119200000,
  AccountProfile1796205600000,
  HeldEvents1796738400000,
  AccountCustomerSince1796810400000,
  SaveEffortMetrics1797328800000,
  SaveEffortsStartedIndex1797415200000,
  MetricsRollupSupport1797465600000,
  MetricsAlertRollups1797469200000,
  MetricsSaveRollups1797472800000,
  MetricsRenewalRollups1797476400000,
  MetricsProgrammeRollups1797480000000,
  PolicyBacktests1797483600000,
  PolicyAdoptions1797487200000,
  PolicyAdoptionIdempotency1797490800000,
  AlertMetricsSegment1797552000000,
  PersonalNotificationChannels1797584400000,
  Connectors1797638400000,
  ConnectorEventObjects1797724800000,
  ConnectorRenewals1797811200000,
  PolicyRegistry1797814800000,
  SegmentUsageRollup1797832800000,
  CrmWriteBacks1797858000000,
  AlertRollupYears1797984000000,
];
