/**
 * The plugin's audit actions and their typed details.
 *
 * @module
 */
import type { PlanTier } from '@sentryagent/core'

/** What every Stripe-event audit record carries. */
export interface StripeEventDetails {
  eventId: string
  eventType: string
  subscriptionId: string | null
  subscriptionStatus: string | null
}

declare module '@sentryagent/core' {
  interface AuditDetails {
    'billing.customer_created': { stripeCustomerId: string }
    'billing.plan_changed': StripeEventDetails & { from: PlanTier; to: PlanTier }
    'billing.payment_failed': StripeEventDetails & { planTier: PlanTier }
    'billing.event_processed': StripeEventDetails & { planTier: PlanTier }
  }
}

export const BILLING_AUDIT_ACTIONS = ['billing.customer_created', 'billing.plan_changed', 'billing.payment_failed', 'billing.event_processed'] as const
