/**
 * The IdP's published keys as a jose key set, built once per published-key list (the key store
 * returns a new array when its keys change, so the cache follows rotations).
 *
 * @module
 */
import { createLocalJWKSet } from 'jose'
import type { Deps } from '../deps.js'

/** The key set to verify the IdP's own JWS (access tokens, delegation tokens). */
export async function idpKeySet(deps: Pick<Deps, 'keys' | 'state'>): Promise<ReturnType<typeof createLocalJWKSet>> {
  const keys = await deps.keys.publicKeys()
  let set = deps.state.keySets.get(keys)
  if (set === undefined) {
    set = createLocalJWKSet({ keys: keys.map((k) => ({ ...k })) })
    deps.state.keySets.set(keys, set)
  }
  return set
}
