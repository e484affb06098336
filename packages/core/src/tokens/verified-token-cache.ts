/**
 * Memo of successful signature and claim checks of the IdP's own access tokens, per published key
 * set. ECDSA P-256 verification is the largest single cost of a protected call (~175 µs on the
 * benchmark machine); a resource server sees the same token many times, and the outcome for the same
 * bytes under the same key set cannot change except by expiry, which is re-checked on every hit.
 *
 * Only the cryptographic verdict is memoised: liveness (revocation, credential generation, agent,
 * organization) is still checked on every call by the caller. Entries are keyed by the key set
 * object, which `idpKeySet` replaces whenever the published keys change, so a rotation or a removed
 * key can never be bypassed. Bounded: the oldest entries are dropped beyond {@link MAX_ENTRIES}.
 * Delegation tokens (`delegation-token.ts`) use the same memo functions, with their own map.
 *
 * @module
 */
import type { AccessTokenClaims } from '../context.js'

/** Largest number of memoised tokens per key set. */
export const MAX_ENTRIES = 10_000

/**
 * The memoised claims of `token` verified under `keySet`, if still within their validity at `now`;
 * `undefined` otherwise (the caller verifies in full). Returns a shallow copy.
 */
export function cachedClaims<C extends { exp: number } = AccessTokenClaims>(memo: WeakMap<object, Map<string, C>>, keySet: object, token: string, now: Date): C | undefined {
  const claims = memo.get(keySet)?.get(token)
  if (claims === undefined) return undefined
  const seconds = Math.floor(now.getTime() / 1000)
  // jose's rules with no clock tolerance: exp must be in the future, nbf (when present) not.
  if (claims.exp <= seconds) return undefined
  const nbf = (claims as { nbf?: unknown }).nbf
  if (typeof nbf === 'number' && nbf > seconds) return undefined
  return { ...claims }
}

/** Remembers claims that passed full verification of `token` under `keySet`. */
export function rememberClaims<C extends { exp: number } = AccessTokenClaims>(memo: WeakMap<object, Map<string, C>>, keySet: object, token: string, claims: C): void {
  let entries = memo.get(keySet)
  if (entries === undefined) {
    entries = new Map()
    memo.set(keySet, entries)
  }
  if (entries.size >= MAX_ENTRIES) {
    const oldest = entries.keys().next()
    if (oldest.done !== true) entries.delete(oldest.value)
  }
  entries.set(token, { ...claims })
}
