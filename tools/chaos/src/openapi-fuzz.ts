import fc from 'fast-check';

/**
 * Bad input for every operation of the gateway's OpenAPI document (`/docs-json`), so an endpoint
 * added later is fuzzed without anyone listing it. Each case starts from a well-formed request
 * built from the schema (examples, bounds, enums) and applies at least one mutation that makes it
 * invalid for sure (a required field missing, a wrong type, a float or a huge number where an
 * integer goes, an unknown or `__proto__` property, a body that is not an object or not JSON,
 * 1 MB of it, a missing or unknown API key), plus noise that may or may not be valid (unicode,
 * odd headers). Every case must be refused: a 4xx problem+json, and nothing written.
 */

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: Record<string, string[]>[];
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema?: Schema;
}

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

/** One operation of the document, with its schemas resolved. */
export interface FuzzTarget {
  method: string;
  path: string;
  secured: boolean;
  /** Names of the security schemes the operation accepts (`api-key`, `operator-key`…). */
  schemes: string[];
  query: Parameter[];
  pathParameters: Parameter[];
  headers: Parameter[];
  body?: Schema;
}

/** One generated request. */
export interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The raw body sent (already serialised), if any. */
  body?: string;
  /** What makes it invalid for sure. */
  breaking: string;
}

/** Paths that take no input and report the service's own state: not fuzzed. */
const unfuzzed = [/^\/health/, /^\/metrics/];

/** Operations of the document, `$ref`s resolved. */
export function fuzzTargets(document: OpenApiDocument): FuzzTarget[] {
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (!schema?.$ref) return schema;
    const name = schema.$ref.split('/').pop() as string;
    return resolve(document.components?.schemas?.[name]);
  };
  const targets: FuzzTarget[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    if (unfuzzed.some((pattern) => pattern.test(path))) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const bodySchema = resolve(operation.requestBody?.content?.['application/json']?.schema);
      targets.push({
        method: method.toUpperCase(),
        path,
        secured: (operation.security ?? []).length > 0,
        schemes: (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ ...p, schema: resolve(p.schema) })),
        pathParameters: parameters.filter((p) => p.in === 'path'),
        headers: parameters.filter((p) => p.in === 'header'),
        ...(bodySchema ? { body: resolveProperties(bodySchema, resolve) } : {}),
      });
    }
  }
  return targets;
}

function resolveProperties(schema: Schema, resolve: (s: Schema | undefined) => Schema | undefined): Schema {
  if (!schema.properties) return schema;
  const properties: Record<string, Schema> = {};
  for (const [name, property] of Object.entries(schema.properties)) properties[name] = resolve(property) ?? {};
  return { ...schema, properties };
}

/** A valid value for a schema (what the mutations start from). */
export function validValue(name: string, schema: Schema, context: { domain: string; email: string }): unknown {
  if (name === 'domain') return context.domain;
  if (name === 'email') return context.email;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.example !== undefined) return schema.example;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum !== undefined && schema.minimum > 0 ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [validValue(name, schema.items ?? {}, context)];
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [property, child] of Object.entries(schema.properties ?? {})) value[property] = validValue(property, child, context);
      return value;
    }
    default:
      return schema.format === 'date-time' ? new Date().toISOString() : schema.format === 'date' ? '2026-11-01' : 'x';
  }
}

/** JSON values of the wrong type for a schema: never valid for it. */
function wrongTypes(schema: Schema): fc.Arbitrary<unknown> {
  const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.constant(JSON.parse('{"__proto__":{"admin":true}}') as unknown));
  switch (schema.type) {
    case 'integer':
      return fc.oneof(
        fc.constant(1.5),
        fc.constant(-0.0001),
        fc.constant(1e308),
        fc.constant(-1e308),
        fc.constant(2 ** 53 + 2),
        fc.constant(Number.MAX_SAFE_INTEGER * 4),
        fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }),
        fc.constant('1'),
        fc.constant(null),
        fc.constant(true),
        fc.constant([1]),
        fc.constant({ $gt: 0 }),
        ...(schema.maximum !== undefined ? [fc.constant(schema.maximum + 1)] : []),
        ...(schema.minimum !== undefined ? [fc.constant(schema.minimum - 1)] : []),
      );
    case 'number':
      return fc.oneof(fc.constant('1'), fc.constant(null), fc.constant(true), fc.constant([1]), fc.constant({}));
    case 'array':
      return fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant({}), fc.constant([null]), fc.constant([[]]));
    case 'boolean':
      return fc.oneof(fc.string(), fc.integer(), fc.constant(null));
    default:
      return notString;
  }
}

/** Strings that may or may not be valid: unicode, control characters, lookalikes, long ones. */
export const oddStrings: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u202Eevil', 'ｄｅｍｏ.localhost', 'DEMO.LOCALHOST', '🙂'.repeat(100), ' ', '../../etc/passwd', '%00', "' OR 1=1 --", '${jndi:x}', '<script>alert(1)</script>', '__proto__', 'x'.repeat(5000)),
);

/** Property names that must be refused as unknown (prototype pollution among them). */
const unknownNames = fc.constantFrom('__proto__', 'constructor', 'prototype', 'isAdmin', 'balance', 'credits_override', 'ùnïcødé', '');

/** Sets `value` as an own property (also `__proto__`, which an object literal would not). */
function withProperty(target: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  const copy = { ...target };
  Object.defineProperty(copy, name, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** The document's placeholders `{name}` filled in. */
function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

export interface CaseContext {
  key: string;
  domain: string;
  email: string;
  /** Another domain's live key (a request with it names the wrong domain). */
  otherKey: string;
  /** Keys of other security schemes by scheme name (the operator key), used by `badTextCases`. */
  schemeKeys?: Record<string, string>;
}

/** The arbitrary of fuzz cases of one operation. */
export function fuzzCases(target: FuzzTarget, context: CaseContext): fc.Arbitrary<FuzzCase> {
  const validBody = target.body ? (validValue('', target.body, context) as Record<string, unknown>) : undefined;
  const validQuery: Record<string, string> = {};
  for (const parameter of target.query) if (parameter.required) validQuery[parameter.name] = String(validValue(parameter.name, parameter.schema ?? {}, context));
  // A path value never empty nor a dot segment: those would route to another operation, not fuzz this one.
  const pathValue = fc.oneof(oddStrings, fc.uuid(), fc.constant('rsv_00000000-0000-4000-8000-000000000000')).map((v) => (['', '.', '..'].includes(v.trim()) ? 'x' : v));
  const pathValues = fc.dictionary(fc.constantFrom(...(target.pathParameters.map((p) => p.name).concat(['_']))), pathValue, { minKeys: 0 });
  const noise = fc.record({
    unicode: fc.option(oddStrings, { nil: undefined }),
    header: fc.option(
      fc.constantFrom<[string, string]>(
        ['x-forwarded-for', '1.2.3.4, <script>'],
        ['accept', '*/*;q=NaN'],
        ['x-correlation-id', '\u00e9'.repeat(300)],
        ['accept-encoding', 'gzip;q=2'],
        ['content-language', '🙂'],
      ),
      { nil: undefined },
    ),
  });
  return fc.tuple(breakingMutation(target, context, validBody, validQuery), pathValues, noise).map(([mutation, values, extra]) => {
    const headers: Record<string, string> = { ...mutation.headers };
    if (extra.header && !(extra.header[0] in headers)) headers[extra.header[0]] = extra.header[1].replace(/[^\t\x20-\x7e]/g, '?');
    let query = mutation.query;
    // Noise in an optional parameter, unless the breaking mutation is about the query (it could undo it).
    if (extra.unicode !== undefined && !mutation.breaking.startsWith('query') && target.query.some((p) => !p.required && p.name !== 'domain')) {
      const optional = target.query.find((p) => !p.required && p.name !== 'domain') as Parameter;
      query = { ...query, [optional.name]: extra.unicode };
    }
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) for (const one of Array.isArray(value) ? value : [value]) search.append(name, one);
    const queryString = search.toString();
    return {
      method: target.method,
      path: fillPath(target.path, values) + (queryString ? `?${queryString}` : ''),
      headers,
      ...(mutation.body !== undefined ? { body: mutation.body } : {}),
      breaking: mutation.breaking,
    };
  });
}

interface Mutation {
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  body?: string;
  breaking: string;
}

function breakingMutation(target: FuzzTarget, context: CaseContext, validBody: Record<string, unknown> | undefined, validQuery: Record<string, string>): fc.Arbitrary<Mutation> {
  const json: Record<string, string> = { 'content-type': 'application/json' };
  if (target.secured) json['authorization'] = `Bearer ${context.key}`;
  const base = (breaking: string, over: Partial<Mutation>): Mutation => ({ headers: json, query: validQuery, ...(validBody ? { body: JSON.stringify(validBody) } : {}), breaking, ...over });
  const options: fc.Arbitrary<Mutation>[] = [];
  if (target.secured) {
    options.push(
      fc.constantFrom(
        base('no API key', { headers: { 'content-type': 'application/json' } }),
        base('unknown API key', { headers: { 'content-type': 'application/json', authorization: 'Bearer chk_dom_unknownunknownunknownunknown0000' } }),
        base('malformed Authorization', { headers: { 'content-type': 'application/json', authorization: 'Basic Zm9vOmJhcg==' } }),
        base('API key with a NUL', { headers: { 'content-type': 'application/json', authorization: `Bearer ${context.key}%00` } }),
      ),
    );
  }
  for (const header of target.headers.filter((h) => h.required)) {
    options.push(fc.constant(base(`header ${header.name} missing`, {})));
    options.push(oddStrings.map((value) => base(`header ${header.name} invalid`, { headers: { ...json, [header.name.toLowerCase()]: value.replace(/[^\t\x20-\x7e]/g, '?') || 'x' } })));
  }
  const properties = Object.entries(target.body?.properties ?? {});
  const required = target.body?.required ?? [];
  if (validBody) {
    if (required.length > 0) options.push(fc.constantFrom(...required).map((name) => base(`body.${name} missing`, { body: JSON.stringify(without(validBody, name)) })));
    if (properties.length > 0) {
      options.push(
        fc.constantFrom(...properties).chain(([name, schema]) =>
          wrongTypes(schema)
            // null is how JSON says "absent": an optional property may be null (class-validator's IsOptional).
            .filter((value) => value !== null || required.includes(name))
            .map((value) => base(`body.${name} of a wrong type: ${safeJson(value)}`, { body: JSON.stringify(withProperty(validBody, name, value)) })),
        ),
      );
    }
    options.push(
      fc.tuple(unknownNames, fc.oneof(fc.jsonValue(), fc.constant({ polluted: true }))).map(([name, value]) =>
        base(`unknown body property ${JSON.stringify(name)}`, { body: JSON.stringify(withProperty(validBody, name, value)) }),
      ),
      fc.oneof(fc.constant('[]'), fc.constant('null'), fc.constant('"text"'), fc.constant('42'), fc.constant('true'), fc.array(fc.jsonValue(), { maxLength: 3 }).map((a) => JSON.stringify(a)))
        .map((body) => base(`body not an object: ${body.slice(0, 40)}`, { body })),
      fc.constantFrom('{', '{"email":', '{"a":1,}', "{'a':1}", 'NaN', '\u0000', '{"__proto__":', '').map((body) => base(`body not JSON: ${JSON.stringify(body)}`, { body })),
      fc.constant(base('a 1 MB body', { body: JSON.stringify({ ...validBody, padding: 'x'.repeat(1024 * 1024) }) })),
      fc.constant(base('deeply nested body', { body: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}` })),
    );
  }
  if (target.pathParameters.length > 0) options.push(fc.constant(base('path names nothing that exists', {})));
  if (target.query.length > 0) {
    options.push(
      unknownNames.filter((name) => name !== '').map((name) => base(`unknown query parameter ${name}`, { query: { ...validQuery, [name]: '1' } })),
      fc.constantFrom(...target.query).map((p) => base(`query ${p.name} repeated`, { query: { ...validQuery, [p.name]: [String(validValue(p.name, p.schema ?? {}, context)), 'other'] } })),
    );
    const required = target.query.filter((p) => p.required);
    if (required.length > 0) options.push(fc.constantFrom(...required).map((p) => base(`query ${p.name} missing`, { query: without(validQuery, p.name) as Record<string, string> })));
    const typed = target.query.filter((p) => p.schema?.type === 'integer' || p.schema?.type === 'number' || p.schema?.enum);
    if (typed.length > 0) {
      options.push(
        fc.tuple(fc.constantFrom(...typed), fc.constantFrom('1.5', '-1', '0', '1e308', '99999999999999999999', 'abc', '', 'not-in-the-enum')).map(([p, value]) =>
          base(`query ${p.name}=${value}`, { query: { ...validQuery, [p.name]: value } }),
        ).filter((m) => isInvalidQueryValue(target, m)),
      );
    }
  }
  if (options.length === 0) options.push(fc.constant(base('no API key', { headers: {} })));
  return fc.oneof(...options);
}

/** A typed query mutation is kept only when the value is certainly outside the parameter's schema. */
function isInvalidQueryValue(target: FuzzTarget, mutation: Mutation): boolean {
  const name = /^query (\S+)=/.exec(mutation.breaking)?.[1];
  const parameter = target.query.find((p) => p.name === name);
  const value = mutation.query[name ?? ''];
  if (!parameter?.schema || typeof value !== 'string') return false;
  const schema = parameter.schema;
  if (schema.enum) return !schema.enum.includes(value);
  if (!/^\d+$/.test(value)) return true;
  const number = Number(value);
  return (schema.minimum !== undefined && number < schema.minimum) || (schema.maximum !== undefined && number > schema.maximum);
}

function without(object: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...object };
  delete copy[name];
  return copy;
}

function safeJson(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 40);
  } catch {
    return String(value);
  }
}

/**
 * Text PostgreSQL cannot store, in JSON: a NUL (`\u0000`, which jsonb refuses even as an escape)
 * or a lone UTF-16 surrogate (JSON.stringify writes it as a `\udXXX` escape), at a random place in
 * random text. The edge must refuse each with 400 `validation_failed`.
 */
export const unstorableTexts: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\u0000', '\u0000\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'), fc.string({ maxLength: 12 }))
  .map(([before, bad, after]) => before + bad + after);

/**
 * A NUL in a URL (query value or path segment), percent-encoded, at a random place in random text:
 * put into the URL as is. (Invalid UTF-8 in a URL, such as `%C0%80` or `%ED%A0%80`, is not among
 * them: the query parser decodes it to U+FFFD, which PostgreSQL stores, and a path segment that
 * does not decode is refused by the router before any handler.)
 */
export const unstorableUrlTexts: fc.Arbitrary<string> = fc
  .tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), fc.constantFrom('%00', 'a%00b', '%00%00'), fc.string({ unit: 'grapheme-ascii', maxLength: 8 }))
  .map(([before, bad, after]) => encodeURIComponent(before) + bad + encodeURIComponent(after));

/** One string field of an operation: where it is, and how to reach it in the request. */
export interface StringField {
  in: 'body' | 'query' | 'path';
  /** Dotted path in the body (`items.0.referenceId`), or the parameter's name. */
  name: string;
}

/** Every string field of an operation: body properties (nested objects and arrays too), query and path parameters. */
export function stringFields(target: FuzzTarget, document: OpenApiDocument): StringField[] {
  const resolve = (schema: Schema | undefined): Schema => {
    let current = schema ?? {};
    for (let depth = 0; current.$ref && depth < 8; depth++) current = document.components?.schemas?.[current.$ref.split('/').pop() as string] ?? {};
    return current;
  };
  const fields: StringField[] = [];
  const walk = (schema: Schema | undefined, path: string, depth: number) => {
    const resolved = resolve(schema);
    if (depth > 6) return;
    if (resolved.type === 'object' || resolved.properties) {
      for (const [name, child] of Object.entries(resolved.properties ?? {})) walk(child, path ? `${path}.${name}` : name, depth + 1);
    } else if (resolved.type === 'array') {
      walk(resolved.items, `${path}.0`, depth + 1);
    } else if (resolved.type === 'string' || resolved.type === undefined) {
      if (path) fields.push({ in: 'body', name: path });
    }
  };
  if (target.body) walk(target.body, '', 0);
  for (const parameter of target.query) if (resolve(parameter.schema).type !== 'integer' && resolve(parameter.schema).type !== 'number' && resolve(parameter.schema).type !== 'boolean') fields.push({ in: 'query', name: parameter.name });
  for (const parameter of target.pathParameters) fields.push({ in: 'path', name: parameter.name });
  return fields;
}

/** One request whose only fault is unstorable text in one string field. */
export interface BadTextCase extends FuzzCase {
  field: StringField;
}

/**
 * Requests that are well-formed but for unstorable text in exactly one string field (`field`),
 * authenticated with the context's key: `runs` per string field of the operation.
 */
export function badTextCases(target: FuzzTarget, document: OpenApiDocument, context: CaseContext, runs: number, seed: number): BadTextCase[] {
  const validBody = target.body ? (validValue('', target.body, context) as Record<string, unknown>) : undefined;
  const validQuery: Record<string, string> = {};
  for (const parameter of target.query) if (parameter.required) validQuery[parameter.name] = String(validValue(parameter.name, parameter.schema ?? {}, context));
  const pathValues: Record<string, string> = {};
  for (const parameter of target.pathParameters) pathValues[parameter.name] = parameter.name === 'domain' ? context.domain : 'x';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.secured) headers['authorization'] = `Bearer ${target.schemes.map((scheme) => context.schemeKeys?.[scheme]).find((key) => key !== undefined) ?? context.key}`;
  const cases: BadTextCase[] = [];
  for (const [index, field] of stringFields(target, document).entries()) {
    const values = fc.sample(field.in === 'body' ? unstorableTexts : unstorableUrlTexts, { numRuns: runs, seed: seed + index });
    for (const value of values) {
      let path = target.path.replace(/\{([^}]+)\}/g, (_, name: string) => (field.in === 'path' && name === field.name ? value : encodeURIComponent(pathValues[name] ?? 'x')));
      const query = Object.entries(validQuery).filter(([name]) => !(field.in === 'query' && name === field.name)).map(([name, v]) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`);
      if (field.in === 'query') query.push(`${encodeURIComponent(field.name)}=${value}`);
      if (query.length > 0) path += `?${query.join('&')}`;
      const body = validBody !== undefined ? JSON.stringify(field.in === 'body' ? withPath(validBody, field.name.split('.'), value) : validBody) : undefined;
      cases.push({ method: target.method, path, headers, ...(body !== undefined ? { body } : {}), breaking: `${field.in} ${field.name} = ${JSON.stringify(value)}`, field });
    }
  }
  return cases;
}

/** A deep copy of `value` with the property at `path` (names and array indexes) set to `leaf`. */
function withPath(value: unknown, path: string[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[Number(head)] = withPath(copy[Number(head)], rest, leaf);
    return copy;
  }
  const copy = { ...((value ?? {}) as Record<string, unknown>) };
  copy[head] = withPath(copy[head], rest, leaf);
  return copy;
}
