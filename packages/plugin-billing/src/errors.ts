/**
 * The plugin's own error codes. The plan refusals themselves are SPEC codes of core
 * (`TIER_LIMIT_EXCEEDED`, `AGENT_LIMIT_REACHED`).
 *
 * @module
 */
import { defineErrorCodes, errorFactory } from '@sentryagent/core'

export const BILLING_ERRORS = defineErrorCodes({
  BILLING_WEBHOOK_SIGNATURE_INVALID: { status: 400, title: 'Invalid Stripe signature' },
  BILLING_NOT_CONFIGURED: { status: 503, title: 'Billing provider not configured' },
  BILLING_PROVIDER_UNAVAILABLE: { status: 502, title: 'Billing provider unavailable' },
  BILLING_PLAN_UNAVAILABLE: { status: 409, title: 'Plan change not available' },
})

/** Creates an error of {@link BILLING_ERRORS}. */
export const billingError = errorFactory(BILLING_ERRORS)
