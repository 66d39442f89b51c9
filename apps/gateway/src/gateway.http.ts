import { INestApplication } from '@nestjs/common';
import { json } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { apiKeySecurityScheme } from './api-keys/api-key.guard';
import { GatewayConfig } from './gateway.config';
import { bodyParserErrorHandler } from './http/body-errors';
import { gatewayValidationPipe } from './http/validation';

/** The consume batch route and its body bound: 1,000 items of the largest valid consume fit (about 850 bytes each). */
export const consumeBatchPath = '/api/portfolio/credits/consume/batch';
export const consumeBatchBodyLimitBytes = 1_048_576;

/**
 * The gateway's HTTP set-up, run by bootService before it listens: bounded JSON bodies (raw bytes
 * kept for the Stripe signature), parser errors as problem+json, global validation, OpenAPI.
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
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Credit hub API')
      .setDescription(
        'Shared billing hub: credit packs bought through hosted checkout, consumed server-to-server by each domain. ' +
          'Every error is application/problem+json (RFC 9457) with a stable `code`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A domain API key, chk_dom_…' }, apiKeySecurityScheme)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
