import { defineMessage, strictly } from '../message';
import { SubscriptionList } from './subscription-model';
import { CustomerOnDomain } from './subscription-fields';

/** `ListSubscriptions`: the customer's subscriptions on the domain, newest first. */
export class ListSubscriptionsQuery extends CustomerOnDomain {}

/** `billing.queries.list-subscriptions.v1`: request/reply. */
export const ListSubscriptionsMessage = defineMessage<ListSubscriptionsQuery, SubscriptionList>()({ name: 'billing.queries.list-subscriptions.v1', kind: 'query', validate: strictly(ListSubscriptionsQuery) });
