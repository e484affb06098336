import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { isIdpError } from '../src/index.js'
import { agentInput, basic, ctxFor, setup, tokenFor } from './helpers.js'

describe('core identity flow on memory ports', () => {
  it('walks org → agent → credential → token → introspect → rotate → revoke', async () => {
    const { idp, admin } = await setup()
    const org = await idp.organizations.create(admin, { name: 'Acme', slug: 'acme' })
    const agent = await idp.agents.register(admin, {
      ...agentInput('summarizer'),
      organizationId: org.organizationId,
      scopes: ['agents:read', 'tokens:read'],
    })
    expect(agent.organizationId).toBe(org.organizationId)
    expect(agent.did).toBe(`did:web:idp.test:agents:${agent.agentId}`)
    const cred = await idp.credentials.generate(admin, agent.agentId, {})
    expect(cred.clientSecret).toHaveLength(43)

    const token = await tokenFor(idp, cred.clientId, cred.clientSecret)
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' })
    expect(decodeJwt(token)).toMatchObject({ sub: agent.agentId, organization_id: org.organizationId, scope: 'agents:read tokens:read' })
    const ctx = await ctxFor(idp, token)
    expect((await idp.agents.get(ctx, agent.agentId)).name).toBe('summarizer')

    const intro = await idp.oauth.introspect({ params: { token }, authorization: basic(cred.clientId, cred.clientSecret) })
    expect(intro).toMatchObject({ active: true, sub: agent.agentId })

    const rotated = await idp.credentials.rotate(admin, agent.agentId, cred.credentialId)
    await expect(idp.authenticate(token)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })
    await expect(tokenFor(idp, cred.clientId, cred.clientSecret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
    const token2 = await tokenFor(idp, cred.clientId, rotated.clientSecret)
    await idp.oauth.revoke({ params: { token: token2 }, authorization: basic(cred.clientId, rotated.clientSecret) })
    await expect(idp.authenticate(token2)).rejects.toMatchObject({ code: 'INVALID_TOKEN' })

    const auditor = await ctxFor(idp, await tokenFor(idp, 'admin', (await import('./helpers.js')).ADMIN_SECRET))
    expect(auditor.auth.organizationId).not.toBe(org.organizationId)
    const v = await idp.audit.verify({ ...admin, auth: { ...admin.auth, organizationId: org.organizationId } }, {})
    expect(v.verified).toBe(true)
    expect(v.checkedCount).toBeGreaterThanOrEqual(6)
  })

  it('rejects scope escalation at the token endpoint and at registration', async () => {
    const { idp, admin } = await setup()
    const org = await idp.organizations.create(admin, { name: 'B', slug: 'bee' })
    const a = await idp.agents.register(admin, { ...agentInput('x'), organizationId: org.organizationId, scopes: ['agents:write', 'agents:read'] })
    const c = await idp.credentials.generate(admin, a.agentId, {})
    await expect(tokenFor(idp, c.clientId, c.clientSecret, 'audit:read')).rejects.toMatchObject({ code: 'INVALID_SCOPE' })
    const ctx = await ctxFor(idp, await tokenFor(idp, c.clientId, c.clientSecret))
    const err = await idp.agents.register(ctx, { ...agentInput('y'), scopes: ['audit:read'] }).catch((e: unknown) => e)
    expect(isIdpError(err, 'INSUFFICIENT_SCOPE')).toBe(true)
    const err2 = await idp.agents.register(admin, { ...agentInput('z'), organizationId: org.organizationId, scopes: ['admin:orgs'] }).catch((e: unknown) => e)
    expect(isIdpError(err2, 'VALIDATION_ERROR')).toBe(true)
  })
})
