import { INestApplication } from '@nestjs/common';
import { json } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { GatewayConfig } from './gateway.config';
import { bodyParserErrorHandler } from './http/body-errors';
import { gatewayValidationPipe } from './http/validation';
import { buildOpenApiDocument, openApiJsonPath, openApiUiPath } from './openapi/openapi-document';

/** The consume batch route and its body bound: 1,000 items of the largest valid consume fit (about 850 bytes each). */
export const consumeBatchPath = '/api/portfolio/credits/consume/batch';
export const consumeBatchBodyLimitBytes = 1_048_576;

/**
 * The gateway's HTTP set-up, run by bootService before it listens: bounded JSON bodies (raw bytes
 * kept for the Stripe signature), parser errors as problem+json, global validation, OpenAPI (openapi/openapi-document.ts).
 */
export function configureGatewayHttp(app: INestApplication): void {
  const config = app.get(GatewayConfig);
  const express = app as NestExpressApplication;
  const limit = config.HTTP_BODY_LIMIT_BYTES;
  // Registered before Nest's defaults, which it then skips; the error handler must follow them.
  // The consume batch (up to 1,000 items) has its own, larger bound; the general parser skips a parsed body.
  express.use(consumeBatchPath, json({ limit: consumeBatchBodyLimitBytes }));
  express.useBodyParser('json', { limit });
  express.useBodyParser('urlencoded', { limit, extended: false });
  express.use(bodyParserErrorHandler(limit));
  app.useGlobalPipes(gatewayValidationPipe());
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(openApiUiPath, app, document, { jsonDocumentUrl: openApiJsonPath });
}
