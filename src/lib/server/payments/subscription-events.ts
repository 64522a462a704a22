import type { StripeEventHandlers } from './webhooks';

/** Events about subscribers' Checkout sessions, subscriptions and invoices. */
export const subscriptionEvents: StripeEventHandlers = {};
