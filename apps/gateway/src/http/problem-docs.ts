import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode, ErrorCodes } from '@credit-hub/contracts';

/** OpenAPI schema of every error body: RFC 9457 problem details with our stable `code`. */
export class ProblemResponse {
  @ApiProperty({ example: 'https://credit-hub.dev/problems/insufficient_credits' })
  type!: string;

  @ApiProperty({ example: 'Not enough credits' })
  title!: string;

  @ApiProperty({ example: 402 })
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

/**
 * Documents the problem+json responses of an endpoint, one per HTTP status, listing the codes
 * that produce it (`internal_error` is always possible and always listed).
 */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, 'internal_error' as const]) byStatus.set(ErrorCodes[code].status, [...(byStatus.get(ErrorCodes[code].status) ?? []), code]);
  const responses = [...byStatus].map(([status, group]) =>
    ApiResponse({
      status,
      description: group.map((code) => `\`${code}\`: ${ErrorCodes[code].title}`).join('; '),
      content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemResponse) } } },
      ...(status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } } } : {}),
    }),
  );
  return applyDecorators(ApiExtraModels(ProblemResponse), ...responses);
}
