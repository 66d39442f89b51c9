import { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { ProblemException, reenterRequestContext, requestCorrelationId, sampleRequestLogs } from '@credit-hub/service-kit';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseQueryString } from 'node:querystring';
import { GatewayConfig } from './gateway.config';
import { gatewayValidationPipe } from './http/validation';
import { buildOpenApiDocument, openApiJsonPath, openApiUiPath } from './openapi/openapi-document';

/** The consume batch route and its body bound: 1,000 items of the largest valid consume fit (about 850 bytes each). */
export const consumeBatchPath = '/api/portfolio/credits/consume/batch';
export const consumeBatchBodyLimitBytes = 1_048_576;

/** The routes every AI request of a product calls: their request log lines are sampled (GATEWAY_HOT_ROUTE_LOG_SAMPLE). */
export const hotRoutePaths = ['/api/portfolio/credits/consume', consumeBatchPath, '/api/portfolio/credits/balance'];

/** A hot-route request at least this slow is always logged, whatever the sampling. */
export const hotRouteSlowLogMs = 1000;

/** Routes whose handlers read the raw request bytes (`request.rawBody`): Stripe signs the raw body of its webhooks. */
export const rawBodyPathPrefix = '/webhooks/stripe';

/** Longest path parameter routed (Fastify's default is 100 characters; a portal token may have up to 4,096). */
const pathParameterLengthMax = 16_384;

/** A request as the gateway's parsers see it: Nest's `RawBodyRequest` reads `rawBody`. */
type ParsedRequest = FastifyRequest & { rawBody?: Buffer };
type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * How bootService starts the gateway (main.ts and the test harness alike): on Fastify
 * (`@nestjs/platform-fastify`) with the gateway's own body parsers (see configureGatewayHttp).
 * Request ids are correlation ids (service-kit `requestCorrelationId`). Routing as on Express before: paths case-insensitive, a trailing slash ignored, the query string
 * parsed by node:querystring (repeated names become arrays).
 */
export const gatewayHttpBoot = {
  httpAdapter: () =>
    new FastifyAdapter({
      // Fastify's request id (which it also puts on the raw request) is the correlation id, so
      // the correlation and pino-http middleware find it rather than Fastify's own `req-1`.
      genReqId: (request: IncomingMessage) => requestCorrelationId(request),
      routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: pathParameterLengthMax, querystringParser: (query: string) => parseQueryString(query) },
    }),
  bodyParser: false,
  configure: configureGatewayHttp,
};

/**
 * The gateway's HTTP set-up, run by bootService before it listens: bounded bodies (JSON and
 * urlencoded; the consume batch has its own, larger bound), raw bytes kept for the Stripe
 * webhook routes (every route under `/webhooks/stripe`), parser errors as problem+json, every
 * handler in its request's correlation and logging context, request log lines of the hot routes
 * sampled at info (1 in GATEWAY_HOT_ROUTE_LOG_SAMPLE; errors and slow requests always), global validation, OpenAPI
 * (openapi/openapi-document.ts).
 */
export async function configureGatewayHttp(app: INestApplication): Promise<void> {
  const config = app.get(GatewayConfig);
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance() as FastifyInstance;
  registerBodyParsers(fastify, config.HTTP_BODY_LIMIT_BYTES);
  sampleRequestLogs({ paths: hotRoutePaths, oneIn: config.GATEWAY_HOT_ROUTE_LOG_SAMPLE, slowMs: hotRouteSlowLogMs });
  // Body parsing runs outside the async context the correlation and logging middleware entered.
  fastify.addHook('preHandler', (request, _reply, done) => reenterRequestContext(request.raw, done));
  app.useGlobalPipes(gatewayValidationPipe());
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(openApiUiPath, app, document, { jsonDocumentUrl: openApiJsonPath });
}

/**
 * The body parsers, as Express' body-parser behaved before: JSON (`application/json`: an object
 * or array at the top, an empty body is `{}`, malformed JSON 400 `validation_failed` on `body`),
 * urlencoded forms (node:querystring), and any other content type read within the bound and
 * left unparsed (the handler sees no body). A body over the route's bound is 413
 * `payload_too_large` before any handler runs: the bound is `bodyLimitBytes`, or
 * `consumeBatchBodyLimitBytes` for the consume batch.
 */
function registerBodyParsers(fastify: FastifyInstance, bodyLimitBytes: number): void {
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit = route.url === consumeBatchPath ? consumeBatchBodyLimitBytes : bodyLimitBytes;
  });
  // A declared length over the bound is refused before a byte is read, with the bound in the detail
  // (a chunked body over it is cut off by Fastify's own limit: payload_too_large too).
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const limit = request.routeOptions.bodyLimit ?? bodyLimitBytes; // the route's, set above
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      return done(new ProblemException({ code: 'payload_too_large', detail: `The request body is larger than the ${limit} bytes accepted` }), payload);
    }
    done(null, payload);
  });
  const options = { parseAs: 'buffer' as const };
  fastify.addContentTypeParser('application/json', options, (request: FastifyRequest, body: Buffer, done: ParserDone) => {
    keepRawBody(request as ParsedRequest, body);
    try {
      done(null, parseJsonBody(body));
    } catch {
      // The problem, never the parser's message: a JSON syntax error quotes the body.
      done(new ProblemException({ code: 'validation_failed', detail: 'The request body is not valid JSON', field: 'body' }), undefined);
    }
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', options, (request: FastifyRequest, body: Buffer, done: ParserDone) => {
    keepRawBody(request as ParsedRequest, body);
    done(null, parseQueryString(body.toString('utf8')));
  });
  fastify.addContentTypeParser('*', options, (_request: FastifyRequest, _body: Buffer, done: ParserDone) => done(null, undefined));
}

/** Keeps the raw bytes on the Stripe webhook routes only (their signature covers them); other routes drop them with the request. */
function keepRawBody(request: ParsedRequest, body: Buffer): void {
  const url = (request.raw.url ?? '').toLowerCase();
  if (url.startsWith(rawBodyPathPrefix) && (url.length === rawBodyPathPrefix.length || '/?'.includes(url[rawBodyPathPrefix.length]!))) request.rawBody = body;
}

/**
 * A JSON body as body-parser's strict mode read it: empty is `{}`; otherwise the first
 * non-blank character must open an object or an array. Throws SyntaxError for anything else.
 * `JSON.parse` keeps a `__proto__` key as an own property, which validation then refuses by name.
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  const first = /^[\x20\x09\x0a\x0d]*(.)/s.exec(text)?.[1];
  if (first === undefined) return {};
  if (first !== '{' && first !== '[') throw new SyntaxError('the body must be a JSON object or array');
  return JSON.parse(text);
}
