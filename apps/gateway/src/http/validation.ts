import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ProblemException } from '@credit-hub/service-kit';

/**
 * The global validation of HTTP input: unknown properties refused, plain JSON turned into the DTO
 * classes (no implicit conversion: `"1"` is not a number), and the first failure reported as
 * problem+json `validation_failed` naming its field.
 */
export function gatewayValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: true,
    exceptionFactory: (errors) => validationProblem(errors),
  });
}

/** A `validation_failed` problem naming the first offending field (dotted path for nested ones). */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const first = errors[0] ? firstConstraint(errors[0]) : undefined;
  if (!first || first.field === '') {
    return new ProblemException({ code: 'validation_failed', detail: first?.message ?? 'The request is not valid' });
  }
  return new ProblemException({ code: 'validation_failed', detail: first.message, field: first.field });
}

function firstConstraint(error: ValidationError, parent = ''): { field: string; message: string } {
  const property = error.property ?? '';
  const field = parent && property ? `${parent}.${property}` : parent || property;
  const constraints = Object.values(error.constraints ?? {});
  if (constraints.length > 0) {
    return { field, message: constraints[0] ?? `${field} is invalid` };
  }
  const child = error.children?.[0];
  return child ? firstConstraint(child, field) : { field, message: `${field} is invalid` };
}
