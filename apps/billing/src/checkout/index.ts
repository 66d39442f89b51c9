/** What the checkout feature offers the other features. */
export { checkoutMetadata } from './checkout.service';
