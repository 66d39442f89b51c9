import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { unstorableTextIn } from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import { compiledInput } from './compiled-validation';

/**
 * Deepest nesting of a body or query accepted. Our requests are flat (two levels at most); the
 * bound exists because Nest's ValidationPipe walks the input recursively (stripProtoKeys,
 * class-transformer), so a body of thousands of nested objects would overflow the stack: a 500.
 */
export const inputDepthMax = 32;

/**
 * Property names refused anywhere in a body or query. Nest's ValidationPipe silently deletes
 * `__proto__` (and class-transformer skips `constructor`), so without this a request carrying them
 * would pass as if they were not there; refusing them names them, like any other unknown property.
 */
export const forbiddenPropertyNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The global validation of HTTP input: unknown properties refused, plain JSON turned into the DTO
 * classes (no implicit conversion: `"1"` is not a number), and the first failure reported as
 * problem+json `validation_failed` naming its field. Before Nest's pipe runs, the input's depth is
 * bounded, prototype property names are refused (see above), and every string of the body, the
 * query and the path parameters (values and property names) must be text PostgreSQL can store
 * (libs/contracts `unstorableTextIn`: no NUL, no lone surrogate). The pipe is global, so this holds
 * for every route with a `@Body`, `@Query` or `@Param`, DTO or not. The credit routes' DTOs have a
 * compiled JSON schema (http/compiled-validation.ts) that lets a valid input skip class-validator.
 */
export function gatewayValidationPipe(): ValidationPipe {
  return new GatewayValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // Every constraint of a failing property is collected, so the answer names the type check first (firstConstraint).
    stopAtFirstError: false,
    exceptionFactory: (errors) => validationProblem(errors),
  });
}

class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = inputProblem(value, metadata.type) ?? unstorableTextIn(value, metadata.data ?? metadata.type);
      if (problem) throw new ProblemException({ code: 'validation_failed', detail: problem.detail, field: problem.field });
    }
    if (metadata.type === 'param') {
      const problem = unstorableTextIn(value, metadata.data ?? 'path');
      if (problem) throw new ProblemException({ code: 'validation_failed', detail: problem.detail, field: problem.field });
    }
    // The hot routes' inputs: a compiled JSON schema accepts the valid ones without class-validator;
    // anything it refuses is decided (and worded) by class-validator below.
    if (metadata.type !== 'custom') {
      const accepted = compiledInput(metadata.metatype, value);
      if (accepted !== undefined) return accepted;
    }
    return super.transform(value, metadata);
  }
}

/**
 * What is wrong with the shape of an input before its DTO sees it: nesting deeper than
 * `inputDepthMax`, or a prototype property name. Iterative (an explicit stack), so it cannot
 * overflow on the input it exists to refuse.
 */
export function inputProblem(value: unknown, root: 'body' | 'query'): { field: string; detail: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (current === null || typeof current !== 'object') continue;
    if (depth >= inputDepthMax) return { field: path || root, detail: `the ${root} is nested more than ${inputDepthMax} levels deep` };
    for (const key of Object.keys(current)) {
      const child = path ? `${path}.${key}` : key;
      if (forbiddenPropertyNames.has(key)) return { field: child, detail: `property ${key} is not allowed` };
      stack.push({ value: (current as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/** A `validation_failed` problem naming the first offending field (dotted path for nested ones). */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const first = errors[0] ? firstConstraint(errors[0]) : undefined;
  // A failure of the whole input, or of a property with an empty name (`{"": 1}`), names the body.
  const field = first?.field ? first.field : 'body';
  return new ProblemException({ code: 'validation_failed', detail: first?.message ?? 'The request is not valid', field });
}

function firstConstraint(error: ValidationError, parent = ''): { field: string; message: string } {
  const property = error.property ?? '';
  const field = parent && property ? `${parent}.${property}` : parent || property;
  const constraints = error.constraints ?? {};
  const names = Object.keys(constraints);
  if (names.length > 0) {
    // Decorators register bottom-up, so a failed @Max may come before the @IsInt that says what
    // is really wrong with "x": a type check (isInt, isString, isEmail…) is named first.
    const name = names.find((candidate) => /^is[A-Z]/.test(candidate)) ?? names[0]!;
    return { field, message: constraints[name] ?? `${field} is invalid` };
  }
  const child = error.children?.[0];
  return child ? firstConstraint(child, field) : { field, message: `${field} is invalid` };
}
