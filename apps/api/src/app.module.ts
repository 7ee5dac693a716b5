import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import { AppConfig, REDACTED_LOG_PATHS, serializeError } from '@retain/config';
import { dataSourceOptions } from '@retain/persistence';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyStore } from './auth/api-key-store';
import { HealthController } from './health/health.controller';
import { AccessService } from './access/access.service';
import { AccountFactsService } from './accounts/account-facts.service';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsService } from './accounts/accounts.service';
import { AuditController } from './audit/audit.controller';
import { MyContactsController, NotificationsController } from './notifications/notifications.controller';
import { AlertProgrammeMetricsController } from './metrics/alert-programme-metrics.controller';
import { AlertProgrammeMetricsService } from './metrics/alert-programme-metrics.service';
import { InputLimitsInterceptor } from './common/input-limits';
import { PostgresThrottlerStorage } from './rate-limits/postgres-throttler.storage';
import { ADDRESS_LIMIT, AddressRateLimitGuard, KEY_LIMIT, KeyRateLimitGuard } from './rate-limits/rate-limit.guard';
import { AlertsController } from './alerts/alerts.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { PolicyController } from './policy/policy.controller';
import { PolicyService } from './policy/policy.service';
import { BacktestsController } from './policy/backtests.controller';
import { BacktestsService } from './policy/backtests.service';
import { policyInForceProvider } from './policy/policy-in-force.provider';
import { AlertsService } from './alerts/alerts.service';
import { ConnectorsController } from './connectors/connectors.controller';
import { ConnectorsService } from './connectors/connectors.service';
import { ConnectorRenewalsService } from './connectors/connector-renewals.service';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { MonitoringController, WinBacksController } from './follow-ups/follow-ups.controller';
import { FollowUpsService } from './follow-ups/follow-ups.service';
import { IdempotencyInterceptor } from './common/idempotency.interceptor';
import { ProblemDetailsFilter } from './problems/problem-details.filter';
import { RenewalsController } from './renewals/renewals.controller';
import { RenewalActionsService } from './renewals/renewal-actions.service';
import { RenewalsService } from './renewals/renewals.service';
import { SavesController } from './saves/saves.controller';
import { MeController } from './me/me.controller';
import { MeService } from './me/me.service';
import { SavesService } from './saves/saves.service';
import { TemporalClientProvider } from './temporal/temporal-client.provider';
import { ApiMetrics } from './metrics/api-metrics';
import { requestIdOf } from './http/http-exchange';

/** The api's pino-http options: JSON lines carrying the request id (echoed as X-Request-Id), credentials redacted. */
export function apiLogOptions(config: Pick<AppConfig, 'LOG_LEVEL'>) {
  return {
    level: config.LOG_LEVEL,
    base: { service: 'retain-api' },
    // On Fastify the request already has its id (its genReqId, the same function) and the header.
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdOf(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Every credential-bearing header and signature; SQL errors without their parameters.
    redact: { paths: REDACTED_LOG_PATHS, censor: '[Redacted]' },
    serializers: { err: serializeError },
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
    customProps: (req: IncomingMessage) => ({
      principalId: (req as IncomingMessage & { principal?: { id: string } }).principal?.id,
    }),
  };
}

/** Structured JSON logs; each line of a request carries its id (echoed as X-Request-Id). */
export function loggerModule(config: AppConfig): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: apiLogOptions(config) });
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        loggerModule(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config), retryAttempts: 3, retryDelay: 1000 }),
        // Windows shared by every replica (PostgreSQL); the limits per deployment (RATE_LIMIT_*).
        ThrottlerModule.forRootAsync({
          inject: [getDataSourceToken()],
          useFactory: (ds: DataSource) => ({
            throttlers: [
              {
                name: ADDRESS_LIMIT,
                ttl: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
                limit: config.RATE_LIMIT_PER_ADDRESS,
              },
              { name: KEY_LIMIT, ttl: config.RATE_LIMIT_WINDOW_SECONDS * 1000, limit: config.RATE_LIMIT_PER_KEY },
            ],
            storage: new PostgresThrottlerStorage(ds),
          }),
        }),
      ],
      controllers: [
        HealthController,
        RenewalsController,
        SavesController,
        MonitoringController,
        WinBacksController,
        EventsController,
        ConnectorsController,
        AlertProgrammeMetricsController,
        AlertsController,
        AccountsController,
        AuditController,
        NotificationsController,
        MyContactsController,
        PolicyController,
        BacktestsController,
        MetricsController,
        MeController,
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        ApiMetrics,
        TemporalClientProvider,
        { provide: ApiKeyStore, useFactory: (ds: DataSource) => new ApiKeyStore(ds), inject: [getDataSourceToken()] },
        // In this order: the client's address is limited before its key is looked up, the key after.
        { provide: APP_GUARD, useClass: AddressRateLimitGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: KeyRateLimitGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // In this order: the body's shape is bounded before anything walks it.
        { provide: APP_INTERCEPTOR, useClass: InputLimitsInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        policyInForceProvider(config),
        AccessService,
        AccountFactsService,
        RenewalsService,
        RenewalActionsService,
        SavesService,
        FollowUpsService,
        EventsService,
        ConnectorsService,
        ConnectorRenewalsService,
        AlertProgrammeMetricsService,
        AlertsService,
        AccountsService,
        PolicyService,
        BacktestsService,
        MetricsService,
        MeService,
      ],
    };
  }
}
