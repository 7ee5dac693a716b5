import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, REDACTED_LOG_PATHS, serializeError } from '@retain/config';
import { dataSourceOptions } from '@retain/persistence';
import { RenewalReadModelActivities } from './activities/renewal-read-model.activities';
import { FollowUpReadModelActivities } from './activities/follow-up.activities';
import { SaveEffortReadModelActivities } from './activities/save-effort.activities';
import { AccountRiskReadModelActivities } from './activities/account-risk.activities';
import { AccountPeopleActivities } from './activities/account-people.activities';
import { PolicyBacktestActivities } from './activities/policy-backtest.activities';
import { EventRelay } from './event-relay';
import { EmailChannel } from './notifications/email-channel';
import { NotificationDispatcher } from './notifications/notification-dispatcher';
import { CrmWriteBackDispatcher } from './crm-write-back/crm-write-back-dispatcher';
import { WebhookChannel } from './notifications/webhook-channel';
import { ChatChannel } from './notifications/chat-channel';
import { SmsChannel } from './notifications/sms-channel';
import { FollowUpLauncher } from './follow-up-launcher';
import { WorkerTemporalClient } from './worker-temporal-client';
import { TemporalWorkerService } from './temporal-worker.service';
import { WorkerMetrics } from './metrics/worker-metrics';
import { policyInForceProvider } from './policy-in-force.provider';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            base: { service: 'retain-worker' },
            redact: { paths: REDACTED_LOG_PATHS, censor: '[Redacted]' },
            serializers: { err: serializeError },
          },
        }),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config), retryAttempts: 3, retryDelay: 1000 }),
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        WorkerMetrics,
        policyInForceProvider(config),
        RenewalReadModelActivities,
        SaveEffortReadModelActivities,
        FollowUpReadModelActivities,
        AccountRiskReadModelActivities,
        AccountPeopleActivities,
        PolicyBacktestActivities,
        WorkerTemporalClient,
        FollowUpLauncher,
        EventRelay,
        WebhookChannel,
        EmailChannel,
        ChatChannel,
        SmsChannel,
        NotificationDispatcher,
        CrmWriteBackDispatcher,
        TemporalWorkerService,
      ],
    };
  }
}
