import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '@retain/config';
import { AppModule } from './app.module';
import { createPlatformApp } from './http/http-platform';
import { ApiMetrics } from './metrics/api-metrics';
import { buildOpenApiDocument } from './openapi/document';
import { createValidationPipe } from './problems/validation';
import { defaultWebDir, webAppMiddleware } from './web/web-app';

/**
 * Builds the api application on the HTTP stack HTTP_SERVER names (fastify or express,
 * apps/api/src/http/http-platform.ts): logging, request timing, body limits, validation,
 * problem details, the web app, OpenAPI, shutdown hooks. `main.ts` and the end-to-end
 * tests both start the api through this.
 */
export async function createApiApp(config: AppConfig): Promise<INestApplication> {
  const app = await createPlatformApp(AppModule.forRoot(config), config, (nest) => ({
    timer: nest.get(ApiMetrics).timeRequest,
    // The web app's static files (apps/web, built to dist/web) under /app, before the routes and their key guard.
    webApp: webAppMiddleware(config.WEB_DIST_DIR ?? defaultWebDir()),
  }));
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
