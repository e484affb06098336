/**
 * Liveness of what an access token was issued under: the credential (client secret) at the same
 * generation, or the agent key (`private_key_jwt`) still active. Rotating or revoking the credential,
 * or removing the key, rejects the token from then on.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AccessTokenClaims } from '../context.js'

/** `true` when the credential or agent key the token is bound to is still usable by its subject. */
export async function isTokenBindingLive(deps: Deps, c: AccessTokenClaims): Promise<boolean> {
  if (c.credential_id !== undefined) {
    const credential = await deps.storage.credentials.find(c.organization_id, c.credential_id)
    const now = deps.clock()
    return (
      credential !== null &&
      credential.status === 'active' &&
      credential.generation === c.credential_generation &&
      credential.agentId === c.sub &&
      (credential.expiresAt === null || credential.expiresAt > now)
    )
  }
  if (c.agent_key_id !== undefined) {
    const key = await deps.storage.agentKeys.find(c.organization_id, c.sub, c.agent_key_id)
    return key !== null && key.status === 'active'
  }
  if (c.ext_binding !== undefined) {
    // `<extension id>:<binding id>`: only that extension can vouch for it; uninstalled = dead.
    const i = c.ext_binding.indexOf(':')
    const ext = i > 0 ? deps.registry.extension(c.ext_binding.slice(0, i)) : undefined
    if (ext?.isTokenBindingLive === undefined) return false
    return ext.isTokenBindingLive({ organizationId: c.organization_id, id: c.ext_binding.slice(i + 1) }, c)
  }
  return false
}
