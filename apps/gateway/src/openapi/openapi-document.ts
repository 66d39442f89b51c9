import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorCode, ErrorCodes } from '@credit-hub/contracts';
import { ObservabilityModule } from '@credit-hub/service-kit';
import { apiKeySecurityScheme } from '../api-keys/api-key.guard';
import { GatewayModule } from '../gateway.module';
import { problemExample } from '../http/problem-docs';
import { unlimitedPathPrefixes } from '../http/rate-limit';
import { operatorKeySecurityScheme } from '../operator/operator-key.guard';
import { addOperationExamples } from './openapi-examples';

/** Where the gateway serves the document: the Swagger UI and the JSON (`/docs-json`). */
export const openApiUiPath = 'docs';
export const openApiJsonPath = 'docs-json';

/** The tags of the document, in the order a reader meets them, each with what it groups. */
const tags: [string, string][] = [
  ['credits', 'Spend, hold, grant and read credits. Credits are integers; each customer (email) has one account in the portfolio.'],
  ['billing', 'Hosted Stripe Checkout for packs and plans, the Stripe customer portal, subscriptions.'],
  ['entitlements', 'What a customer may do on a domain now: plan, status, caps (docs/entitlements.md).'],
  ['refunds', 'Refunds for feedback: portal links for customers, the requests and their structured feedback for builders.'],
  ['analytics', 'Read models fed by the event streams: usage, credits, revenue, conversion, refunds, feedback.'],
  ['webhooks', "Outgoing webhook endpoints and their delivery log; Stripe's incoming webhook."],
  ['operator', "The portfolio operator's catalog: domains, their brand and offerings (operator key)."],
  ['Health', 'Liveness and readiness of the gateway (PostgreSQL and NATS); never rate limited.'],
  ['Metrics', 'Prometheus metrics of the gateway; never rate limited.'],
];

/** The response header carrying the request's correlation id (libs/service-kit observability). */
const correlationHeader = {
  description: 'The correlation id of the request (the `X-Correlation-Id` sent, else a new one): quote it when asking about a request.',
  schema: { type: 'string', example: '6f1c2a7e-0b4d-4f7e-9a51-3c2d8e9f0a12' },
};

/**
 * The gateway's OpenAPI 3 document (served at `/docs-json`). On top of what @nestjs/swagger reads
 * from the controllers' decorators (operationIds, summaries, descriptions, schemas, problem
 * responses): the two bearer schemes (opaque keys, not JWTs), the tags, `security: []` on the
 * operations without a key, the `429 rate_limited` answer with `Retry-After` on every rate-limited
 * operation (the limit is a global guard, so no controller declares it), the `X-Correlation-Id`
 * header on every answer, and an example on every JSON body composed from the DTOs' property
 * examples (openapi-examples.ts). Pure over `app`'s module graph: the same app, the same document.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Credit hub API')
    .setDescription(
      'Shared billing hub: credit packs bought through hosted checkout, consumed server-to-server by each domain. ' +
        'Credits are integers; money is integer minor units plus a lower-case ISO 4217 currency. ' +
        'Every error is application/problem+json (RFC 9457) with a stable `code`; every answer carries `X-Correlation-Id`. ' +
        'Each API key is limited to a number of requests per window: over it, `429 rate_limited` with `Retry-After` (seconds).',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('http://127.0.0.1:3000', 'A gateway started on this machine (`npm start`)')
    // addSecurity, not addBearerAuth: that one defaults to `bearerFormat: JWT`, and our keys are opaque.
    .addSecurity(apiKeySecurityScheme, {
      type: 'http',
      scheme: 'bearer',
      description: 'A domain API key (`chk_dom_…`), acting only for its own domain; a builder key (`chk_bld_…`) reads analytics only. An opaque key, not a JWT.',
    })
    .addSecurity(operatorKeySecurityScheme, {
      type: 'http',
      scheme: 'bearer',
      description: 'An operator key (`chk_op_…`) whose SHA-256 is listed in `OPERATOR_API_KEYS`; only for `/api/operator/*`.',
    });
  for (const [name, description] of tags) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  documentRateLimits(document);
  documentBuilderKeyRefusals(document);
  documentCorrelationIds(document);
  documentOpenOperations(document);
  addOperationExamples(document);
  return document;
}

/** The gateway's module graph as bootService (libs/service-kit bootstrap.ts) roots it: observability (/metrics) and the gateway. */
@Module({ imports: [ObservabilityModule, GatewayModule] })
class GatewayDocumentRoot {}

/**
 * The document without a running gateway: the module graph in Nest's preview mode (no provider is
 * created, so neither PostgreSQL nor NATS is asked). For tests, the SDK's generated types and
 * `npm run openapi`; gateway.int.spec.ts checks it equals the one the running gateway serves.
 */
export async function createOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(GatewayDocumentRoot, { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** Every operation the global rate limit applies to answers `429 rate_limited` with `Retry-After`. */
function documentRateLimits(document: OpenAPIObject): void {
  const { title } = ErrorCodes.rate_limited;
  for (const [path, operations] of Object.entries(document.paths)) {
    if (unlimitedPathPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) continue;
    for (const operation of Object.values(operations as Record<string, any>)) {
      if (!operation?.responses) continue;
      operation.responses['429'] = {
        description: `\`rate_limited\`: ${title}`,
        headers: { 'Retry-After': { description: 'Seconds until a request is counted again', schema: { type: 'integer', minimum: 1, example: 3 } } },
        content: {
          'application/problem+json': {
            schema: { $ref: '#/components/schemas/ProblemResponse' },
            examples: { rate_limited: { summary: title, value: problemExample('rate_limited', path) } },
          },
        },
      };
    }
  }
}

/**
 * An operation no key guards (Stripe's webhook, signed by Stripe; the health checks) says so with
 * `security: []`, so clients and linters know it is open on purpose, not forgotten.
 */
function documentOpenOperations(document: OpenAPIObject): void {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations as Record<string, any>)) {
      if (operation?.responses && operation.security === undefined) operation.security = [];
    }
  }
}

/**
 * ApiKeyGuard refuses a builder key (analytics only) with `403 builder_key_not_allowed` on every
 * route it guards: every `api-key` operation outside `/api/analytics` (AnalyticsKeyGuard's).
 */
function documentBuilderKeyRefusals(document: OpenAPIObject): void {
  for (const [path, operations] of Object.entries(document.paths)) {
    if (path.startsWith('/api/analytics/')) continue;
    for (const operation of Object.values(operations as Record<string, any>)) {
      const guarded = (operation?.security ?? []).some((requirement: Record<string, unknown>) => apiKeySecurityScheme in requirement);
      if (guarded) addProblemCode(operation, 'builder_key_not_allowed');
    }
  }
}

/** Adds `code` to the operation's problem response of its status (made if absent): description, `code` enum, example. */
function addProblemCode(operation: Record<string, any>, code: ErrorCode): void {
  const { status, title } = ErrorCodes[code];
  const response = (operation['responses'][String(status)] ??= { description: '', content: { 'application/problem+json': { schema: problemSchema([]), examples: {} } } });
  const media = response.content['application/problem+json'];
  if (media.examples?.[code]) return;
  media.examples = { ...media.examples, [code]: { summary: title, value: problemExample(code) } };
  const codes: unknown = media.schema?.allOf?.[1]?.properties?.code?.enum;
  media.schema = problemSchema([...(Array.isArray(codes) ? codes : []), code]);
  response.description = [response.description, `\`${code}\`: ${title}`].filter(Boolean).join('; ');
}

function problemSchema(codes: string[]): Record<string, unknown> {
  return { allOf: [{ $ref: '#/components/schemas/ProblemResponse' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }] };
}

/** `X-Correlation-Id` on every answer of every operation. */
function documentCorrelationIds(document: OpenAPIObject): void {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations as Record<string, any>)) {
      for (const response of Object.values<any>(operation?.responses ?? {})) {
        response.headers = { ...response.headers, 'X-Correlation-Id': correlationHeader };
      }
    }
  }
}
