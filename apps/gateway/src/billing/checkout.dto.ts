import { ApiProperty } from '@nestjs/swagger';
import { Limits } from '@credit-hub/contracts';
import { IsString, IsUrl, Matches, MaxLength } from 'class-validator';
import { DomainField, EmailField } from '../http/fields';

const urlOptions = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** `POST /api/billing/checkout`: the seed's `createCheckout`. */
export class CreateCheckoutRequest {
  @DomainField({ optional: false })
  domain!: string;

  @ApiProperty({ description: "An offering of the domain's catalog", example: 'starter_3' })
  @IsString({ message: 'offeringId must be a string' })
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'offeringId must be 1-64 letters, digits or _.-' })
  offeringId!: string;

  @EmailField()
  email!: string;

  @ApiProperty({ description: 'Where Stripe sends the customer after paying', example: 'https://yourproduct.com/success' })
  @IsString({ message: 'successUrl must be a string' })
  @MaxLength(Limits.urlLengthMax, { message: `successUrl must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(urlOptions, { message: 'successUrl must be an http(s) URL' })
  successUrl!: string;

  @ApiProperty({ description: 'Where Stripe sends the customer on cancel', example: 'https://yourproduct.com/pricing' })
  @IsString({ message: 'cancelUrl must be a string' })
  @MaxLength(Limits.urlLengthMax, { message: `cancelUrl must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(urlOptions, { message: 'cancelUrl must be an http(s) URL' })
  cancelUrl!: string;
}

/** The hosted Stripe Checkout page to send the customer to. */
export class CreateCheckoutResponse {
  @ApiProperty({ example: 'https://checkout.stripe.com/c/pay/cs_test_a1b2c3' })
  checkoutUrl!: string;

  @ApiProperty({ example: 'cs_test_a1b2c3' })
  sessionId!: string;
}
