import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode, ErrorCodes } from '@credit-hub/contracts';

/** OpenAPI schema of every error body: RFC 9457 problem details with our stable `code`. */
export class ProblemResponse {
  @ApiProperty({ example: 'https://credit-hub.dev/problems/insufficient_credits' })
  type!: string;

  @ApiProperty({ example: 'Not enough credits' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 402, description: 'The HTTP status' })
  status!: number;

  @ApiProperty({ example: 'Balance 0 is below the 1 credits asked' })
  detail!: string;

  @ApiPropertyOptional({ example: '/api/portfolio/credits/consume' })
  instance?: string;

  @ApiProperty({ enum: Object.keys(ErrorCodes), example: 'insufficient_credits', description: 'Stable machine-readable code' })
  code!: ErrorCode;

  @ApiPropertyOptional({ example: 'deltaCredits', description: 'The offending field, when one is to blame' })
  field?: string;

  @ApiProperty({ description: 'Whether the same request may succeed later', example: false })
  retryable!: boolean;
}

/** An example problem body of `code` (its status, title and retryable flag from ErrorCodes). */
export function problemExample(code: ErrorCode, instance?: string): Record<string, unknown> {
  const { status, title, retryable } = ErrorCodes[code];
  const example: Record<string, unknown> = { type: `https://credit-hub.dev/problems/${code}`, title, status, detail: title, code, retryable };
  if (instance !== undefined) example['instance'] = instance;
  if (code === 'validation_failed') Object.assign(example, { detail: 'email must be an email address', field: 'email' });
  return example;
}

/**
 * Documents the problem+json responses of an endpoint, one per HTTP status, listing the codes
 * that produce it (`internal_error` is always possible and always listed): the schema narrows
 * `code` to them, and each code has a named example.
 */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, 'internal_error' as const]) byStatus.set(ErrorCodes[code].status, [...(byStatus.get(ErrorCodes[code].status) ?? []), code]);
  const responses = [...byStatus].map(([status, group]) =>
    ApiResponse({
      status,
      description: group.map((code) => `\`${code}\`: ${ErrorCodes[code].title}`).join('; '),
      content: {
        'application/problem+json': {
          schema: { allOf: [{ $ref: getSchemaPath(ProblemResponse) }, { type: 'object', properties: { code: { type: 'string', enum: group } } }] },
          examples: Object.fromEntries(group.map((code) => [code, { summary: ErrorCodes[code].title, value: problemExample(code) }])),
        },
      },
      ...(status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0, example: 1 } } } } : {}),
    }),
  );
  return applyDecorators(ApiExtraModels(ProblemResponse), ...responses);
}
