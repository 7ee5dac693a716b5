import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '@retain/config';
import { AppModule } from './app.module';
import { ApiMetrics } from './metrics/api-metrics';
import { buildOpenApiDocument } from './openapi/document';
import { createValidationPipe } from './problems/validation';
import { defaultWebDir, webAppMiddleware } from './web/web-app';

/**
 * Builds the api application: logging, validation, problem details, OpenAPI, shutdown
 * hooks. `main.ts` and the end-to-end tests both start the api through this.
 */
export async function createApiApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    rawBody: true,
  });
  app.useLogger(app.get(Logger));
  // First: every request is timed, also those a body parser or a guard refuses.
  app.use(app.get(ApiMetrics).middleware);
  app.useBodyParser('json', { limit: '2mb' });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  // Behind a load balancer the client's address (rate limits, logs) comes from X-Forwarded-For, from these hops only.
  if (config.API_TRUST_PROXY)
    app.set(
      'trust proxy',
      /^\d+$/.test(config.API_TRUST_PROXY)
        ? Number(config.API_TRUST_PROXY)
        : config.API_TRUST_PROXY.split(',').map((s) => s.trim()),
    );

  // The web app's static files (apps/web, built to dist/web) under /app, before the routes and their key guard.
  app.use(webAppMiddleware(config.WEB_DIST_DIR ?? defaultWebDir()));

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
