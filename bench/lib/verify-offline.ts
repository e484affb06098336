/**
 * Offline verification in a resource server: `jwtVerify` with `createLocalJWKSet` over a set of
 * tokens for a bounded time, in process (no HTTP). Measures what a resource server pays per call.
 *
 * @module
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'

/** Verifications per second of `tokens` (cycled) against the issuer's JWKS during `seconds`. */
export async function verifyOffline(jwksUrl: string, tokens: readonly string[], seconds: number): Promise<number> {
  const res = await fetch(jwksUrl)
  const jwks = createLocalJWKSet((await res.json()) as JSONWebKeySet)
  for (const t of tokens) await jwtVerify(t, jwks) // warm-up and sanity: every token verifies
  let n = 0
  const started = performance.now()
  const until = started + seconds * 1000
  while (performance.now() < until) {
    for (const t of tokens) await jwtVerify(t, jwks)
    n += tokens.length
  }
  return n / ((performance.now() - started) / 1000)
}
