import { IsEmail, IsUrl, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { NormalizedEmail } from '../normalize';
import { OnDomain } from './command-fields';

/** `CreatePortalSession`: a signed, expiring link for one customer of one domain (like Stripe's portal sessions). */
export class CreatePortalSessionCommand extends OnDomain {
  @NormalizedEmail() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(Limits.emailLengthMax)
  email!: string;

  /** Where the portal's "back" link leads (the builder's product). */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'returnUrl must be an http(s) URL' })
  @MaxLength(Limits.urlLengthMax)
  returnUrl!: string;
}

/** Answer to CreatePortalSession: the token the gateway puts in the portal URL, and when it expires. */
export interface PortalSession {
  token: string;
  expiresAt: string;
}

/** `refunds.commands.create-portal-session.v1`: request/reply, queue group `refunds`. */
export const CreatePortalSessionMessage = defineMessage<CreatePortalSessionCommand, PortalSession>()({ name: 'refunds.commands.create-portal-session.v1', kind: 'command', validate: strictly(CreatePortalSessionCommand) });
