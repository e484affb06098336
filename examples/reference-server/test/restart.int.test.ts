/** Restarting on the same PGlite directory or database keeps all data and keys. */
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startServer } from './harness.js'

describe.each(TARGETS)('restart on $name', (target) => {
  const cleanups: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
  })

  it('keeps organizations, agents, credentials and signing keys; old tokens still verify', async () => {
    const db = await target.create()
    cleanups.push(db.dispose)
    const first = await startServer(db.env)
    const { token, call } = api(first.url)
    const admin = await token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(first.url, admin, 'restart-co', ['agents:read'])
    const agentToken = await token(t.clientId, t.clientSecret)
    const jwksBefore = (await call('GET', '/.well-known/jwks.json')).body
    expect(first.bootstrap.created).toBe(true)
    await first.close()

    const second = await startServer(db.env)
    cleanups.push(() => second.close())
    const again = api(second.url)
    expect(second.bootstrap.created).toBe(false)
    expect((await again.call('GET', '/.well-known/jwks.json')).body).toEqual(jwksBefore)
    const admin2 = await again.token(ADMIN_ID, ADMIN_SECRET)
    const agent = await again.call('GET', `/api/v1/agents/${t.agentId}`, admin2)
    expect(agent.status).toBe(200)
    expect(agent.body).toMatchObject({ agentId: t.agentId, organizationId: t.organizationId, status: 'active' })
    // The credential created before the restart still authenticates.
    expect(await again.token(t.clientId, t.clientSecret)).toMatch(/^ey/)
    expect(agentToken).not.toBe('')
  })

  it('accepts a token issued before the restart (same issuer)', async () => {
    const db = await target.create()
    cleanups.push(db.dispose)
    const first = await startServer(db.env)
    const port = String(first.config.port)
    const env = { ...db.env, PORT: port, ISSUER: first.url }
    await first.close()
    const a = await startServer(env)
    const { token } = api(a.url)
    const admin = await token(ADMIN_ID, ADMIN_SECRET)
    const t = await provisionTenant(a.url, admin, 'restart-two', ['agents:read'])
    const agentToken = await token(t.clientId, t.clientSecret)
    await a.close()

    const b = await startServer(env)
    cleanups.push(() => b.close())
    const res = await api(b.url).call('GET', `/api/v1/agents/${t.agentId}`, agentToken)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ agentId: t.agentId })
  })
})
