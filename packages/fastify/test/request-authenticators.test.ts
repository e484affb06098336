/**
 * `idpBinding.addRequestAuthenticator()`: a plugin authenticates requests that carry no
 * `Authorization` header itself (a session cookie) with a principal context. Route scopes, tenancy
 * and the authority rule apply to that context; a presented bearer header always wins; a refusal
 * thrown by the authenticator is answered as it is.
 */
import { IdpError, createIdp, type ExtensionApi, type IdpExtension } from '@sentryagent/core'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { describe, expect, it } from 'vitest'
import { sentryAgentIdp } from '../src/index.js'
import { ADMIN_ID, ADMIN_SECRET, agentBody, tokenFor } from './helpers.js'

async function setup() {
  let api: ExtensionApi | undefined
  const extension: IdpExtension = { id: 'people', principalKinds: ['person'], init: (a) => void (api = a) }
  const idp = createIdp({ issuer: 'http://localhost', extensions: [extension] })
  const app = Fastify()
  await app.register(sentryAgentIdp, { idp })
  const boot = await idp.bootstrap({ clientId: ADMIN_ID, clientSecret: ADMIN_SECRET })
  await app.register(
    fp(
      async (scope) => {
        scope.idpBinding.addRequestAuthenticator(async (req) => {
          const who = req.headers['x-person']
          if (who === undefined) return null
          if (who === 'expired') throw new IdpError('INVALID_TOKEN', 'Session expired')
          const scopes = who === 'reader' ? ['agents:read'] : ['agents:read', 'agents:write']
          if (api === undefined) throw new Error('not initialised')
          return api.principalContext({ organizationId: boot.organizationId, kind: 'person', id: String(who), scopes })
        })
      },
      { name: 'test-people', dependencies: ['@sentryagent/fastify'] },
    ),
  )
  await app.ready()
  return { app, idp }
}

describe('request authenticators', () => {
  it('authenticate requests without Authorization, bounded by the principal scopes and audited as the principal', async () => {
    const { app } = await setup()
    const created = await app.inject({ method: 'POST', url: '/api/v1/agents', headers: { 'x-person': 'writer' }, payload: agentBody({ scopes: ['agents:read'] }) })
    expect(created.statusCode).toBe(201)
    const refused = await app.inject({ method: 'POST', url: '/api/v1/agents', headers: { 'x-person': 'reader' }, payload: agentBody() })
    expect(refused.statusCode).toBe(403)
    const list = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: { 'x-person': 'reader' } })
    expect(list.statusCode).toBe(200)
    const token = await tokenFor(app, ADMIN_ID, ADMIN_SECRET)
    const audit = await app.inject({ method: 'GET', url: '/api/v1/audit?action=agent.created', headers: { authorization: `Bearer ${token}` } })
    const actors = (audit.json() as { items: { actor: string }[] }).items.map((e) => e.actor)
    expect(actors).toContain('person:writer')
    await app.close()
  })

  it('lets a presented bearer header win, answers 401 without either, and passes refusals through', async () => {
    const { app } = await setup()
    const bad = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: { 'x-person': 'writer', authorization: 'Bearer nope' } })
    expect(bad.statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: '/api/v1/agents' })).statusCode).toBe(401)
    const expired = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: { 'x-person': 'expired' } })
    expect(expired.statusCode).toBe(401)
    expect(expired.json()).toMatchObject({ code: 'INVALID_TOKEN' })
    await app.close()
  })
})
