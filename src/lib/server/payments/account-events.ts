import type { StripeEventHandlers } from './webhooks';

/** Events about practitioners' connected accounts. */
export const accountEvents: StripeEventHandlers = {};
