/**
 * The Stripe SDK client, pinned to one API version, optionally pointed at a local stand-in.
 *
 * @module
 */
import Stripe from 'stripe'
import type { StripeOptions } from './options.js'

/** The API version every request sends (pinned: webhook payloads are rendered in it too). */
export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion

/** Builds the client: 2 network retries (each create carries an idempotency key), 10 s timeout. */
export function createStripeClient(options: StripeOptions): Stripe {
  const base = options.apiBase === undefined ? undefined : new URL(options.apiBase)
  return new Stripe(options.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 10_000,
    telemetry: false,
    appInfo: { name: 'SentryAgent AgentIdP billing' },
    ...(base === undefined
      ? {}
      : {
          host: base.hostname,
          port: base.port === '' ? (base.protocol === 'http:' ? 80 : 443) : Number(base.port),
          protocol: base.protocol === 'http:' ? ('http' as const) : ('https' as const),
        }),
  })
}

export { Stripe }
