import { ApiProperty } from '@nestjs/swagger';
import { Limits } from '@credit-hub/contracts';
import { IsUrl, MaxLength } from 'class-validator';
import { DomainField, EmailField } from '../http/fields';

/** `POST /api/portal/sessions`: a refund portal link for one customer. */
export class CreatePortalSessionRequest {
  @EmailField()
  email!: string;

  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: "Where the portal's back link leads (your product)", example: 'https://yourproduct.com/account', maxLength: Limits.urlLengthMax })
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'returnUrl must be an http(s) URL' })
  @MaxLength(Limits.urlLengthMax, { message: `returnUrl must be at most ${Limits.urlLengthMax} characters` })
  returnUrl!: string;
}

/** The portal link: send the customer there (it works for one customer on one domain until it expires). */
export class PortalSessionResponse {
  @ApiProperty({ description: 'The portal page for this customer, signed and expiring', example: 'http://127.0.0.1:3000/portal/v2.Xk3Qp7Lm9a_.eyJl….q2x…' })
  url!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}
