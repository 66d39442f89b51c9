import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode, ErrorCodes } from '@credit-hub/contracts';
import { unlimitedPathPrefixes } from '../http/rate-limit';
import { createOpenApiDocument } from './openapi-document';
import { addOperationExamples } from './openapi-examples';

// The gateway's OpenAPI document as a client generator, a linter and a reader meet it, built in
// process from the real module graph (no PostgreSQL, no NATS).

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, { description?: string; headers?: Record<string, unknown>; content?: Record<string, MediaType> }>;
}

interface MediaType {
  schema?: { $ref?: string; allOf?: { $ref?: string; properties?: { code?: { enum?: string[] } } }[] };
  example?: unknown;
  examples?: Record<string, { value: { code: ErrorCode; status: number } }>;
}

let document: OpenAPIObject;
let operations: { method: string; path: string; operation: Operation }[];

beforeAll(async () => {
  document = await createOpenApiDocument();
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, operation]) => ({ method, path, operation })),
  );
}, 60_000);

/** `METHOD path` → the operationId a client would call it by (the seed's names where it has them). */
const expectedOperationIds: Record<string, string> = {
  'post /api/portfolio/credits/consume': 'consumeCredits',
  'post /api/billing/checkout': 'createCheckout',
  'get /api/portfolio/credits/balance': 'getBalance',
  'get /api/portfolio/credits/history': 'getHistory',
  'post /api/portfolio/credits/reservations': 'reserveCredits',
  'post /api/portfolio/credits/reservations/{reservationId}/capture': 'captureReservation',
  'post /api/portfolio/credits/reservations/{reservationId}/release': 'releaseReservation',
  'post /api/portfolio/credits/grants': 'grantCredits',
  'get /api/refund/requests': 'getRefundRequests',
  'post /api/portal/sessions': 'createPortalSession',
  'get /api/portfolio/entitlements': 'getEntitlements',
  'post /api/portfolio/entitlements/check': 'checkEntitlement',
  'post /webhooks/stripe': 'handleStripeWebhook',
  'get /health': 'getHealth',
  'get /metrics': 'getMetrics',
};

/** Number fields that are not whole numbers (a ratio); every other number of the API is an integer. */
const fractionalFields = new Set(['RefundsAnalyticsResponse.rate']);

/** Integer fields that must say so (credits, minor units, counts), as `Schema.property`. */
const integerFields = [
  'ConsumeCreditsRequest.deltaCredits', 'ConsumeCreditsResponse.balance', 'BalanceResponse.balance', 'LotResponse.creditsInitial', 'LotResponse.creditsRemaining',
  'LotResponse.amountMinor', 'ReservationResponse.creditsReserved', 'ReservationResponse.spendable', 'HistoryItemResponse.creditsDelta', 'HistoryItemResponse.balanceAfter',
  'MoneyResponse.amountMinor', 'RevenueTotalResponse.netMinor', 'UsageRowResponse.creditsConsumed', 'RefundRequestResponse.creditsRefunded',
  'WebhookDeliveryResponse.attemptCount', 'OperatorOfferingRequest.amountMinor', 'ProblemResponse.status',
];

function schemaOf(name: string): { properties?: Record<string, { type?: string }> } {
  return document.components?.schemas?.[name] as { properties?: Record<string, { type?: string }> };
}

/** Every `type: number` in the document, as `Schema.property` (or `METHOD path ?parameter`). */
function numberFields(): string[] {
  const found: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['type'] === 'number') found.push(at);
    for (const [key, value] of Object.entries(record)) {
      if (key === 'example' || key === 'examples') continue;
      walk(value, key === 'properties' ? at : at === '' || key === 'items' ? key : `${at}.${key}`);
    }
  };
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    for (const [property, value] of Object.entries((schema as { properties?: Record<string, unknown> }).properties ?? {})) walk(value, `${name}.${property}`);
  }
  for (const { method, path, operation } of operations) {
    for (const parameter of operation.parameters ?? []) walk(parameter.schema, `${method.toUpperCase()} ${path} ?${parameter.name}`);
  }
  return found;
}

describe('security schemes', () => {
  it('declares the domain key and the operator key, both opaque bearer keys (not JWTs)', () => {
    const schemes = document.components?.securitySchemes as unknown as Record<string, Record<string, unknown>>;
    expect(Object.keys(schemes).sort()).toEqual(['api-key', 'operator-key']);
    for (const scheme of Object.values(schemes)) {
      expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(scheme).not.toHaveProperty('bearerFormat');
      expect(scheme['description']).toEqual(expect.any(String));
    }
  });

  it('every operation names a declared scheme, or none on purpose', () => {
    const declared = Object.keys(document.components?.securitySchemes ?? {});
    for (const { path, operation } of operations) {
      expect(operation.security).toBeDefined();
      for (const requirement of operation.security ?? []) for (const name of Object.keys(requirement)) expect(declared).toContain(name);
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      if (path.startsWith('/api/operator/')) expect(schemes).toEqual(['operator-key']);
      else if (path.startsWith('/api/')) expect(schemes).toEqual(['api-key']);
      else expect(schemes).toEqual([]);
    }
  });
});

describe('operations', () => {
  it('each has an operationId a client would name it by: unique camelCase, not Controller_method', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [route, id] of Object.entries(expectedOperationIds)) {
      const [method, path] = route.split(' ');
      expect(operations.find((candidate) => candidate.method === method && candidate.path === path)?.operation.operationId).toBe(id);
    }
  });

  it('each has a short summary and a description', () => {
    for (const { method, path, operation } of operations) {
      expect({ route: `${method} ${path}`, summary: typeof operation.summary, description: typeof operation.description }).toEqual({
        route: `${method} ${path}`,
        summary: 'string',
        description: 'string',
      });
      expect((operation.summary ?? '').length).toBeLessThanOrEqual(60);
      expect((operation.description ?? '').length).toBeGreaterThan(20);
    }
  });

  it('every answer carries X-Correlation-Id', () => {
    for (const { operation } of operations) {
      for (const response of Object.values(operation.responses)) expect(response.headers).toHaveProperty('X-Correlation-Id');
    }
  });
});

describe('integers', () => {
  it('types credits, minor units and counts as integer: no number field but the listed ratios', () => {
    expect(numberFields()).toContain('RefundsAnalyticsResponse.rate'); // the walk sees number fields
    expect(numberFields().filter((field) => !fractionalFields.has(field))).toEqual([]);
    for (const field of integerFields) {
      const [schema, property] = field.split('.');
      expect({ field, type: schemaOf(schema).properties?.[property]?.type }).toEqual({ field, type: 'integer' });
    }
  });
});

describe('errors', () => {
  it('documents every error status as problem+json with ProblemResponse, the codes of that status, and one example per code', () => {
    for (const { method, path, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status) || path.startsWith('/health')) continue;
        const where = `${method} ${path} ${status}`;
        const media = response.content?.['application/problem+json'];
        expect({ where, media: media !== undefined }).toEqual({ where, media: true });
        const schemaRefs = [media?.schema?.$ref, ...(media?.schema?.allOf ?? []).map((part) => part.$ref)];
        expect(schemaRefs).toContain('#/components/schemas/ProblemResponse');
        const examples = Object.values(media?.examples ?? {}).map((example) => example.value);
        expect(examples.length).toBeGreaterThan(0);
        for (const example of examples) {
          expect({ where, status: example.status, codeStatus: ErrorCodes[example.code]?.status }).toEqual({ where, status: Number(status), codeStatus: Number(status) });
          expect(response.description).toContain(`\`${example.code}\``);
        }
        const narrowed = media?.schema?.allOf?.find((part) => part.properties?.code)?.properties?.code?.enum;
        if (narrowed) expect([...narrowed].sort()).toEqual(examples.map((example) => example.code).sort());
      }
    }
  });

  it('documents 429 rate_limited with Retry-After on every rate-limited operation, and none on the health checks and metrics', () => {
    expect(operations.filter(({ path }) => path === '/metrics' || path.startsWith('/health/') || path === '/health')).toHaveLength(3);
    for (const { method, path, operation } of operations) {
      const limited = operation.responses['429'];
      if (unlimitedPathPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
        expect(limited).toBeUndefined();
        continue;
      }
      expect({ route: `${method} ${path}`, documented: limited !== undefined }).toEqual({ route: `${method} ${path}`, documented: true });
      expect(limited.description).toContain('`rate_limited`');
      expect(limited.headers?.['Retry-After']).toMatchObject({ schema: { type: 'integer' } });
      expect(limited.content?.['application/problem+json']?.examples?.['rate_limited']?.value).toMatchObject({ code: 'rate_limited', status: 429, retryable: true });
    }
  });

  it("documents the guards' and the ledger's refusals: builder keys on domain routes, a frozen or past-due account on consume", () => {
    for (const { method, path, operation } of operations) {
      const domainKeyOnly = (operation.security ?? []).some((requirement) => 'api-key' in requirement) && !path.startsWith('/api/analytics/');
      const documented = Object.keys(operation.responses['403']?.content?.['application/problem+json']?.examples ?? {}).includes('builder_key_not_allowed');
      expect({ route: `${method} ${path}`, documented }).toEqual({ route: `${method} ${path}`, documented: domainKeyOnly });
    }
    const consume = operations.find(({ operation }) => operation.operationId === 'consumeCredits')?.operation;
    expect(Object.keys(consume?.responses['402']?.content?.['application/problem+json']?.examples ?? {}).sort()).toEqual(['insufficient_credits', 'payment_past_due']);
    expect(Object.keys(consume?.responses['403']?.content?.['application/problem+json']?.examples ?? {}).sort()).toEqual(['account_frozen', 'builder_key_not_allowed', 'forbidden_domain']);
  });

  it('documents 503 service_unavailable with Retry-After', () => {
    const consume = operations.find(({ operation }) => operation.operationId === 'consumeCredits')?.operation;
    expect(consume?.responses['503']?.headers?.['Retry-After']).toMatchObject({ schema: { type: 'integer' } });
    expect(consume?.responses['503']?.content?.['application/problem+json']?.examples).toHaveProperty('service_unavailable');
  });
});

describe('examples', () => {
  it('every JSON request body and success response has an example', () => {
    for (const { method, path, operation } of operations) {
      const json = [
        ['request', operation.requestBody?.content?.['application/json']] as const,
        ...Object.entries(operation.responses)
          .filter(([status]) => /^2/.test(status))
          .map(([status, response]) => [status, response.content?.['application/json']] as const),
      ];
      for (const [what, media] of json) {
        if (!media) continue;
        expect({ route: `${method} ${path} ${what}`, example: media.example !== undefined || media.examples !== undefined }).toEqual({
          route: `${method} ${path} ${what}`,
          example: true,
        });
      }
    }
  });

  it('every required property has an example to compose them from (no gap)', () => {
    const bare = JSON.parse(JSON.stringify(document)) as OpenAPIObject;
    for (const item of Object.values(bare.paths)) {
      for (const operation of Object.values(item as Record<string, Operation>)) {
        for (const media of Object.values(operation.requestBody?.content ?? {})) delete media.example;
        for (const response of Object.values(operation.responses ?? {})) for (const media of Object.values(response.content ?? {})) delete media.example;
      }
    }
    expect(addOperationExamples(bare)).toEqual([]);
  });

  it('reports a required property without an example', () => {
    const gap = JSON.parse(JSON.stringify(document)) as OpenAPIObject & { components: { schemas: Record<string, any> } };
    delete gap.components.schemas['ConsumeCreditsRequest'].properties.actionType.example;
    delete (gap.paths['/api/portfolio/credits/consume'] as any).post.requestBody.content['application/json'].example;
    expect(addOperationExamples(gap)).toEqual(['POST /api/portfolio/credits/consume request: ConsumeCreditsRequest.actionType']);
  });
});
