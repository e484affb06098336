/**
 * Options of {@link createBillingPlugin}.
 *
 * @module
 */
import type { FailMode } from './counters.js'

/** Stripe settings; without them the plans, limits and usage work and the Stripe routes answer 503. */
export interface StripeOptions {
  /** `sk_…` secret key. Never logged. */
  readonly secretKey: string
  /** `whsec_…` signing secret of the webhook endpoint; without it the webhook answers 503. Never logged. */
  readonly webhookSecret?: string | undefined
  /** Stripe price ids of the paid plans. A plan without a price cannot be bought. */
  readonly prices: { readonly pro?: string | undefined; readonly enterprise?: string | undefined }
  /** Where Checkout sends the customer back (`{CHECKOUT_SESSION_ID}` is filled in by Stripe). */
  readonly successUrl: string
  readonly cancelUrl: string
  /** Where the Customer Portal sends the customer back. */
  readonly portalReturnUrl: string
  /** API base of a Stripe stand-in (tests, stripe-mock): `http://127.0.0.1:12111`. @default https://api.stripe.com */
  readonly apiBase?: string | undefined
  /** Billing Meter event name: daily token counts are reported per organization when set. */
  readonly meterEventName?: string | undefined
  /** Signature tolerance of webhook events, seconds. @default 300 */
  readonly webhookToleranceSeconds?: number | undefined
}

export interface BillingOptions {
  /** `false` (TIER_ENFORCEMENT=false): nothing is refused; usage is still metered. @default true */
  readonly enforcement?: boolean | undefined
  /** What the daily limits do while the ephemeral store is down (RATE_LIMIT_FAIL_MODE). @default 'insurance' */
  readonly failMode?: FailMode | undefined
  /** How often live request counters are flushed to the daily usage rows. @default 60_000 */
  readonly flushIntervalMs?: number | undefined
  /** Clock of the daily window. @default the IdP clock */
  readonly clock?: (() => Date) | undefined
  readonly stripe?: StripeOptions | undefined
}
