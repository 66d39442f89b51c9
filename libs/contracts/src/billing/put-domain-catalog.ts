import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { DomainCatalogView } from './subscription-model';
import { GetDomainCatalogQuery } from './get-domain-catalog';

/**
 * `PutDomainCatalog` (operator): creates or replaces a domain's brand; with `offerings`, they
 * become its whole catalog (offerings left out stop being sold; nothing sold changes).
 */
export class PutDomainCatalogCommand extends GetDomainCatalogQuery {
  @IsString() @Length(1, 100)
  displayName!: string;

  @IsString() @Length(3, Limits.emailLengthMax)
  supportEmail!: string;

  @IsString() @Length(1, 1200)
  checkoutMessage!: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(30)
  graceDays?: number;

  /** Caps of the domain's free tier: billing validates names and values. */
  @IsOptional() @IsObject()
  freeCaps?: Record<string, unknown>;

  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true })
  offerings?: Record<string, unknown>[];
}

/** `billing.commands.put-domain-catalog.v1`: request/reply. */
export const PutDomainCatalogMessage = defineMessage<PutDomainCatalogCommand, DomainCatalogView>()({ name: 'billing.commands.put-domain-catalog.v1', kind: 'command', validate: strictly(PutDomainCatalogCommand) });
