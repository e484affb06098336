/**
 * What keeps `GET /audit/verify` from starving everyone else (issue 10, finding 7): concurrent
 * verifications of the same organization and range share one computation (single flight), and at
 * most {@link MAX_CONCURRENT_VERIFICATIONS} computations run at once per IdP instance, with at most
 * {@link MAX_WAITING_VERIFICATIONS} more waiting their turn; past that a caller is answered 429 at
 * once. One gate per `createIdp()`, held in its `Deps`.
 *
 * @module
 */
import { createSemaphore, type Semaphore } from '../internal/semaphore.js'
import { createSingleFlight, type SingleFlight } from '../internal/single-flight.js'
import type { AuditVerifyView } from '../schemas.js'

/** Verifications computed at the same time by one IdP instance (each one yields between batches). */
export const MAX_CONCURRENT_VERIFICATIONS = 2
/** Verifications waiting for a slot; one more is refused with 429 `RATE_LIMITED`. */
export const MAX_WAITING_VERIFICATIONS = 8
/** `Retry-After` of that refusal, in seconds. */
export const VERIFICATION_BUSY_RETRY_AFTER_SECONDS = 5

export interface AuditVerificationGate {
  /** In-flight verifications keyed by organization, mode and range. */
  readonly flights: SingleFlight<AuditVerifyView>
  /** Server-wide cap on computations. */
  readonly slots: Semaphore
}

/** A fresh gate for one IdP instance. */
export function createAuditVerificationGate(): AuditVerificationGate {
  return {
    flights: createSingleFlight<AuditVerifyView>(),
    slots: createSemaphore({ permits: MAX_CONCURRENT_VERIFICATIONS, maxWaiting: MAX_WAITING_VERIFICATIONS }),
  }
}
