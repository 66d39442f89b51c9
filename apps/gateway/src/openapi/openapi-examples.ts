import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Request and response examples of the gateway's OpenAPI document, composed from the examples of
 * the schemas' properties (`@ApiProperty({ example })`), so an example never drifts from its DTO.
 * A property with no example of its own takes one where the schema says enough: the first `enum`
 * value, a `const`, `null` for a nullable field, a fixed value of its `format` (uuid, date-time,
 * date, email, uri), `false`, or the smallest allowed whole number; any other property without an
 * example (a free string) is reported as missing, and the OpenAPI tests require that list empty.
 */

/** The parts of a JSON Schema (OpenAPI 3.0 flavour) the composer reads. */
export interface ExampleSchema {
  $ref?: string;
  type?: string;
  format?: string;
  minimum?: number;
  example?: unknown;
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  properties?: Record<string, ExampleSchema>;
  required?: string[];
  items?: ExampleSchema;
  allOf?: ExampleSchema[];
  oneOf?: ExampleSchema[];
  anyOf?: ExampleSchema[];
  additionalProperties?: boolean | ExampleSchema;
}

interface MediaType {
  schema?: ExampleSchema;
  example?: unknown;
  examples?: Record<string, unknown>;
}

/** Values that stand for any value of a string format (RFC 3339 times in UTC, a v4 uuid). */
const formatExamples: Record<string, string> = {
  uuid: '3f2c8a4e-5b1d-4c7e-9f0a-2d6e8b1c4a7f',
  'date-time': '2026-12-01T12:00:00.000Z',
  date: '2026-12-01',
  email: 'ada@example.com',
  uri: 'https://yourproduct.com/',
};

/** How deep `$ref`s are followed: a recursive schema must not loop. */
const depthMax = 12;

/**
 * An example value for `schema`; `undefined` when one cannot be composed (each property to blame
 * is pushed to `missing` as `Schema.property`).
 */
export function composeExample(schema: ExampleSchema, document: OpenAPIObject, missing: string[], at = 'schema', depth = 0): unknown {
  if (depth > depthMax) return undefined;
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() as string;
    const target = document.components?.schemas?.[name] as ExampleSchema | undefined;
    return target ? composeExample(target, document, missing, name, depth + 1) : undefined;
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.allOf) return mergeAll(schema.allOf.map((part) => composeExample(part, document, missing, at, depth + 1)));
  const variant = schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (variant) return composeExample(variant, document, missing, at, depth + 1);
  if (schema.type === 'array') {
    const item = schema.items ? composeExample(schema.items, document, missing, `${at}[]`, depth + 1) : undefined;
    return item === undefined ? [] : [item];
  }
  if (schema.properties) return composeObject(schema, document, missing, at, depth);
  if (schema.type === 'object' || schema.additionalProperties !== undefined) return {};
  if (schema.nullable) return null;
  if (schema.format !== undefined && formatExamples[schema.format] !== undefined) return formatExamples[schema.format];
  if (schema.type === 'boolean') return false;
  if (schema.type === 'integer') return Math.max(schema.minimum ?? 0, 0);
  missing.push(at);
  return undefined;
}

function composeObject(schema: ExampleSchema, document: OpenAPIObject, missing: string[], at: string, depth: number): Record<string, unknown> {
  const required = new Set(schema.required ?? []);
  const value: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    // An optional property is shown when it has an example of its own; never reported missing.
    const sink = required.has(name) ? missing : [];
    const example = composeExample(property, document, sink, `${at}.${name}`, depth + 1);
    if (example !== undefined) value[name] = example;
  }
  return value;
}

function mergeAll(parts: unknown[]): unknown {
  const objects = parts.filter((part): part is Record<string, unknown> => part !== null && typeof part === 'object' && !Array.isArray(part));
  return objects.length === 0 ? parts.find((part) => part !== undefined) : Object.assign({}, ...objects);
}

/** The JSON media types of an operation's request body and success responses, by a readable name. */
function exampleTargets(operation: Record<string, any>, label: string): [string, MediaType][] {
  const targets: [string, MediaType][] = [];
  const body = operation['requestBody']?.content?.['application/json'] as MediaType | undefined;
  if (body) targets.push([`${label} request`, body]);
  for (const [status, response] of Object.entries<any>(operation['responses'] ?? {})) {
    const json = response?.content?.['application/json'] as MediaType | undefined;
    if (json && /^2/.test(status)) targets.push([`${label} ${status}`, json]);
  }
  return targets;
}

/**
 * Puts an `example` on every JSON request body and success response of the document that has none
 * (in place). Answers what could not be composed (`METHOD path status: Schema.property`), for the
 * tests to require empty; a document served with a gap still has every other example.
 */
export function addOperationExamples(document: OpenAPIObject): string[] {
  const missing: string[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, any>)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      for (const [label, media] of exampleTargets(operation, `${method.toUpperCase()} ${path}`)) {
        if (media.example !== undefined || media.examples !== undefined || !media.schema) continue;
        const gaps: string[] = [];
        const example = composeExample(media.schema, document, gaps);
        if (example !== undefined) media.example = example;
        missing.push(...gaps.map((gap) => `${label}: ${gap}`));
      }
    }
  }
  return [...new Set(missing)];
}
