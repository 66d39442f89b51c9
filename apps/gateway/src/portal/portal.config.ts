import { IsOptional, Matches } from 'class-validator';
import { validateEnvironment } from '@credit-hub/service-kit';

/**
 * The portal's one setting, validated at boot like the rest of the gateway's environment.
 * `PORTAL_PUBLIC_URL`: the gateway's address as customers reach it (`https://billing.example.com`),
 * the base of the links `POST /api/portal/sessions` returns. Unset: the address the builder's
 * request came to (right for a gateway reached directly, wrong behind a proxy that rewrites Host).
 */
export class PortalConfig {
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+$/, { message: 'PORTAL_PUBLIC_URL must be http(s)://host[:port] without a path' })
  PORTAL_PUBLIC_URL?: string;
}

/** Nest provider of the validated PortalConfig (a bad value stops the gateway at boot, naming it). */
export const portalConfigProvider = { provide: PortalConfig, useFactory: () => validateEnvironment(PortalConfig, process.env) };
