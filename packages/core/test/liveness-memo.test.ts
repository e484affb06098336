/**
 * The liveness memo never delays a change made in the same process: suspension, credential
 * rotation and token revocation reject a token that was just accepted (and memoised) at once, and
 * a change announced by another process over the ephemeral store clears the memo too.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryEphemeralStore, createMemoryStorage, type Idp } from '../src/index.js'
import { LIVENESS_CHANNEL } from '../src/tokens/liveness-memo.js'
import { agentInput, basic, setup, tokenFor } from './helpers.js'

async function tenant(idp: Idp, admin: Awaited<ReturnType<typeof setup>>['admin']) {
  const agent = await idp.agents.register(admin, agentInput(`memo-${Math.random().toString(36).slice(2, 8)}`, { scopes: ['agents:read'] }))
  const cred = await idp.credentials.generate(admin, agent.agentId, {})
  return { agentId: agent.agentId, credentialId: cred.credentialId, clientId: cred.clientId, secret: cred.clientSecret }
}

describe('liveness memo', () => {
  it('a suspension rejects a just-accepted token at once', async () => {
    const { idp, admin } = await setup()
    const t = await tenant(idp, admin)
    const token = await tokenFor(idp, t.clientId, t.secret)
    await idp.authenticate(token)
    await idp.authenticate(token) // served from the memo
    await idp.agents.update(admin, t.agentId, { status: 'suspended' })
    await expect(idp.authenticate(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
  })

  it('a credential rotation and a token revocation reject at once', async () => {
    const { idp, admin } = await setup()
    const t = await tenant(idp, admin)
    const rotated = await tokenFor(idp, t.clientId, t.secret)
    await idp.authenticate(rotated)
    const next = await idp.credentials.rotate(admin, t.agentId, t.credentialId)
    await expect(idp.authenticate(rotated)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })

    const revoked = await tokenFor(idp, t.clientId, next.clientSecret)
    await idp.authenticate(revoked)
    await idp.oauth.revoke({ params: { token: revoked }, authorization: basic(t.clientId, next.clientSecret) })
    await expect(idp.authenticate(revoked)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
  })

  it('is cleared by a change another process announces', async () => {
    const storage = createMemoryStorage()
    const ephemeral = createMemoryEphemeralStore()
    const { idp, admin } = await setup({ storage, ephemeral })
    const t = await tenant(idp, admin)
    const token = await tokenFor(idp, t.clientId, t.secret)
    await idp.authenticate(token)
    // Another process suspends the agent directly in the shared storage and announces it.
    const orgId = (await storage.agents.ownerOf(t.agentId)) ?? ''
    await storage.agents.update(orgId, t.agentId, { status: 'suspended', updatedAt: new Date() })
    await ephemeral.publish?.(LIVENESS_CHANNEL, 'agent.suspended')
    await expect(idp.authenticate(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
  })
})
