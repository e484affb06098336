/**
 * Signing-key rotation without downtime, on demand (`POST /api/v1/admin/keys/rotate`, admin:orgs)
 * and on a schedule. The key store publishes the new key at once and lets it sign only after its
 * propagation delay; the previous key keeps signing until then and stays published for the grace
 * period after, so no verifier ever sees a kid it cannot resolve. Every process is told through the
 * ephemeral store's publish/subscribe (when it has one) to re-read its keys at once.
 *
 * @module
 */
import { withAudit } from '../audit/with-audit.js'
import { requireScope } from '../authz/scopes.js'
import { PLATFORM_SLUG } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError, isIdpError } from '../errors.js'
import type { RequestContext, RotatedSigningKey, ScheduledRotationOptions } from '../context.js'
import type { Signer } from '../ports/keys.js'

/** The ephemeral-store channel on which rotations are announced (payload: the new kid). */
export const SIGNING_KEYS_CHANNEL = 'signing-keys'

/** Ephemeral key of the lock that keeps several processes from rotating on the same schedule tick. */
export const ROTATION_LOCK_KEY = 'lock:signing-key-rotation'


async function rotate(deps: Deps, trigger: RotatedSigningKey['trigger'], ctx?: RequestContext): Promise<RotatedSigningKey> {
  let signer: Signer
  try {
    signer = await deps.keys.rotate()
  } catch (err) {
    // A key store that cannot be reached (Vault down) is an outage, never a reason to use another key.
    if (isIdpError(err)) throw err
    throw new IdpError('DEPENDENCY_UNAVAILABLE', 'Key store unavailable', { cause: err })
  }
  const activatesAt = (signer.activatesAt ?? deps.clock()).toISOString()
  const result: RotatedSigningKey = { kid: signer.kid, alg: signer.alg, activatesAt, trigger }
  deps.log.info({ event: 'signing_key.rotated', kid: signer.kid, activatesAt, trigger }, 'signing key rotated')
  // Audited in the platform organization. The key store commits the key on its own (Vault cannot
  // join a database transaction), so the event follows the rotation instead of sharing its commit.
  const organizationId = ctx?.auth.organizationId ?? (await deps.storage.organizations.findBySlug(PLATFORM_SLUG))?.organizationId
  if (organizationId !== undefined) {
    await withAudit(deps, (_tx, audit) =>
      audit({
        organizationId,
        action: 'signing_key.rotated',
        actor: ctx?.auth.agentId ?? 'system',
        agentId: ctx?.auth.agentId ?? null,
        ip: ctx?.ip,
        details: { kid: signer.kid, alg: signer.alg, activatesAt, trigger },
      }),
    )
  }
  try {
    await deps.ephemeral.publish?.(SIGNING_KEYS_CHANNEL, signer.kid)
  } catch (err) {
    // Best effort: the other processes also re-read keys on their refresh interval, which the
    // activation delay exceeds.
    deps.log.warn({ err, event: 'signing_key.announce_failed' }, 'could not announce the key rotation')
  }
  return result
}

/**
 * Rotates the IdP signing key on demand. Platform administrators only.
 *
 * @example
 * const { kid, activatesAt } = await idp.signingKeys.rotate(ctx)
 * @throws {IdpError} INSUFFICIENT_SCOPE without `admin:orgs`; DEPENDENCY_UNAVAILABLE when the key
 *   store cannot be reached.
 */
export async function rotateSigningKey(deps: Deps, ctx: RequestContext): Promise<RotatedSigningKey> {
  requireScope(ctx, 'admin:orgs')
  return rotate(deps, 'api', ctx)
}

/**
 * Scheduled rotation: rotates when the current signing key has signed for `intervalSeconds`, under
 * a lock in the ephemeral store so that, of several processes on one schedule, one rotates.
 * Returns `null` when no rotation was due (or another process holds the lock).
 *
 * @example
 * setInterval(() => void idp.signingKeys.rotateIfDue({ intervalSeconds: 2_592_000, lockSeconds: 120 }), 60_000)
 */
export async function rotateSigningKeyIfDue(deps: Deps, options: ScheduledRotationOptions): Promise<RotatedSigningKey | null> {
  const current = await deps.keys.current()
  const since = current.activatesAt
  if (since === undefined) return null
  if (deps.clock().getTime() - since.getTime() < options.intervalSeconds * 1000) return null
  if (!(await deps.ephemeral.setIfAbsent(ROTATION_LOCK_KEY, current.kid, Math.max(1, options.lockSeconds)))) return null
  return rotate(deps, 'scheduled')
}

/**
 * Re-reads the key store whenever any process announces a rotation. Returns a function that stops
 * listening. Without publish/subscribe (or a key store cache) it does nothing.
 */
export function listenForKeyRotations(deps: Deps): () => Promise<void> {
  const { subscribe } = deps.ephemeral
  const refresh = deps.keys.refresh?.bind(deps.keys)
  if (subscribe === undefined || refresh === undefined) return async () => undefined
  const subscription = subscribe
    .call(deps.ephemeral, SIGNING_KEYS_CHANNEL, () => {
      refresh().catch((err: unknown) => deps.log.warn({ err }, 'key refresh after a rotation announcement failed'))
    })
    .catch((err: unknown) => {
      deps.log.warn({ err }, 'could not subscribe to key rotation announcements; relying on the refresh interval')
      return undefined
    })
  return async () => {
    const off = await subscription
    await off?.().catch(() => undefined)
  }
}
