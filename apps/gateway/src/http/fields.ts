import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Limits, NoControlCharacters, normalizeEmail } from '@credit-hub/contracts';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

/**
 * Validation + OpenAPI of the fields several HTTP DTOs share, with the same bounds as the
 * contracts the gateway forwards to (libs/contracts), so a request the gateway accepts is one the
 * service behind it accepts too.
 */

const domainPattern = /^[a-z0-9.-]+$/i;

/** `domain`: the product acting; must be the API key's own domain. */
export function DomainField(options: { optional: boolean }): PropertyDecorator {
  const doc = {
    description: "The product (domain) acting; must be the API key's own domain" + (options.optional ? " (default: the key's domain)" : ''),
    example: 'yourproduct.com',
    maxLength: Limits.domainLengthMax,
  };
  return applyDecorators(
    ...(options.optional ? [IsOptional(), ApiPropertyOptional(doc)] : [ApiProperty(doc)]),
    IsString({ message: 'domain must be a string' }),
    Length(1, Limits.domainLengthMax, { message: `domain must be 1-${Limits.domainLengthMax} characters` }),
    Matches(domainPattern, { message: 'domain must be a host name such as yourproduct.com' }),
  );
}

/**
 * `email`: the customer, keyed by email: normalised before validation by the one rule of
 * libs/contracts (`normalizeEmail`: trimmed, Unicode NFC, lower-cased), so NFC and NFD spellings
 * are one customer; a control character anywhere is refused (`validation_failed`, field `email`).
 */
export function EmailField(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalizeEmail(value) : value)),
    ApiProperty({ description: 'The customer, keyed by email (trimmed, Unicode NFC, lower-cased; control characters refused)', example: 'ada@example.com', maxLength: Limits.emailLengthMax }),
    IsString({ message: 'email must be a string' }),
    NoControlCharacters(),
    MaxLength(Limits.emailLengthMax, { message: `email must be at most ${Limits.emailLengthMax} characters` }),
    IsEmail({}, { message: 'email must be an email address' }),
  );
}

/** An optional `YYYY-MM-DD` (UTC, inclusive) date bound. */
export function DayField(name: 'from' | 'to'): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description: `${name === 'from' ? 'First' : 'Last'} UTC day included, YYYY-MM-DD`, example: '2026-11-01', format: 'date' }),
    IsOptional(),
    IsString({ message: `${name} must be a date YYYY-MM-DD` }),
    Matches(/^\d{4}-\d{2}-\d{2}$/, { message: `${name} must be a date YYYY-MM-DD` }),
  );
}
