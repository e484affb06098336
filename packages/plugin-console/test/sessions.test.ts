/**
 * Session and link lifetimes with an injected clock: idle expiry (30 min, sliding), absolute
 * expiry (12 h, however active), WebAuthn challenges (5 min, single use), invitation links valid
 * 24 h; the setup link is created once; over https the cookie is `__Host-` prefixed and Secure.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createIdp, createMemoryEphemeralStore, createMemoryStorage } from '@sentryagent/core'
import { sentryAgentIdp } from '@sentryagent/fastify'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { consoleStorage, cookieName, createConsolePlugin, csrfTokenFor } from '../src/index.js'

const ADMIN_ID = 'admin'
const ADMIN_SECRET = 'x'.repeat(43)

async function setup(origin?: string) {
  let now = new Date('2026-03-01T08:00:00.000Z')
  const links: string[] = []
  const plugin = createConsolePlugin({ onSetupLink: (link) => void links.push(link), origin })
  const storage = createMemoryStorage({ extensions: [consoleStorage] })
  const idp = createIdp({ issuer: 'http://localhost:3000', storage, extensions: [plugin.extension], clock: () => now, ephemeral: createMemoryEphemeralStore({ nowMs: () => now.getTime() }) })
  const app = Fastify()
  await app.register(sentryAgentIdp, { idp, rateLimit: false })
  await app.register(plugin.fastify)
  const boot = await idp.bootstrap({ clientId: ADMIN_ID, clientSecret: ADMIN_SECRET })
  await app.ready()
  const operatorId = `op_${randomUUID()}`
  await storage.transaction((tx) =>
    tx.ext('console').insertOperator({
      operatorId,
      organizationId: boot.organizationId,
      email: 'o@example.com',
      displayName: 'O',
      role: 'owner',
      status: 'active',
      userHandle: randomUUID(),
      createdAt: now,
      updatedAt: now,
    }),
  )
  /** A session as sign-in creates it: the cookie holds the id, storage its digest. */
  const newSession = async () => {
    const id = randomBytes(32).toString('base64url')
    await storage.transaction((tx) =>
      tx.ext('console').insertSession({
        sessionHash: createHash('sha256').update(id).digest('base64url'),
        organizationId: boot.organizationId,
        operatorId,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + 12 * 3600_000),
      }),
    )
    return `${cookieName(origin?.startsWith('https://') === true)}=${id}`
  }
  const get = async (cookie: string, url = '/api/v1/agents') => (await app.inject({ method: 'GET', url, headers: { cookie } })).statusCode
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms)
  }
  const token = async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { authorization: `Basic ${Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    })
    return String((res.json() as { access_token: string }).access_token)
  }
  return { app, idp, storage, links, newSession, get, advance, token, close: async () => app.close() }
}

describe('console sessions and links (injected clock)', () => {
  it('expire after 30 idle minutes, sliding with use', async () => {
    const t = await setup()
    const cookie = await t.newSession()
    expect(await t.get(cookie)).toBe(200)
    t.advance(29 * 60_000)
    expect(await t.get(cookie)).toBe(200)
    t.advance(29 * 60_000)
    expect(await t.get(cookie)).toBe(200)
    t.advance(30 * 60_000)
    expect(await t.get(cookie)).toBe(401)
    // Gone for good: going back in time does not revive it.
    t.advance(-60 * 60_000)
    expect(await t.get(cookie)).toBe(401)
    await t.close()
  })

  it('expire 12 hours after sign-in however active', async () => {
    const t = await setup()
    const cookie = await t.newSession()
    for (let i = 0; i < 28; i++) {
      t.advance(25 * 60_000)
      expect(await t.get(cookie, '/console/api/session')).toBe(200)
    }
    t.advance(25 * 60_000)
    expect(await t.get(cookie, '/console/api/session')).toBe(401)
    await t.close()
  })

  it('over https: the cookie is __Host- prefixed and Secure; a cookie without the prefix is no session; sign-out is audited', async () => {
    const t = await setup('https://idp.example.com')
    const cookie = await t.newSession()
    expect(cookie.startsWith('__Host-sentryagent_console=')).toBe(true)
    expect(await t.get(cookie)).toBe(200)
    // The same id under the plain name (settable by a sibling subdomain or over http): not a session.
    expect(await t.get(cookie.replace('__Host-', ''))).toBe(401)
    const id = cookie.split('=')[1] ?? ''
    const out = await t.app.inject({ method: 'POST', url: '/console/api/sign-out', headers: { cookie, 'x-csrf-token': csrfTokenFor(id), origin: 'https://idp.example.com' }, payload: {} })
    expect(out.statusCode).toBe(204)
    expect(out.headers['set-cookie']).toBe('__Host-sentryagent_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure')
    expect(await t.get(cookie)).toBe(401)
    const events = await t.storage.audit.list((await t.storage.organizations.findBySlug('platform'))?.organizationId ?? '', { action: 'console.signed_out' }, { limit: 10 })
    expect(events.items).toHaveLength(1)
    expect(events.items[0]).toMatchObject({ actor: expect.stringMatching(/^operator:op_/), details: { everywhere: false, sessions: 1 } })
    await t.close()
  })

  it('WebAuthn challenges live 5 minutes and serve one ceremony', async () => {
    const t = await setup()
    const start = async () => String((await t.app.inject({ method: 'POST', url: '/console/api/sign-in/options', payload: {} })).json<{ ceremonyId: string }>().ceremonyId)
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'x', origin: 'http://localhost:3000' })).toString('base64url')
    const finish = async (ceremonyId: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/console/api/sign-in',
        payload: { ceremonyId, response: { id: 'bm9wZQ', rawId: 'bm9wZQ', type: 'public-key', response: { clientDataJSON }, clientExtensionResults: {} } },
      })
      expect(res.statusCode).toBe(400)
      return res.json<{ code: string; detail: string }>()
    }
    // A live challenge is taken (the unknown passkey is what fails), then it is gone.
    const live = await start()
    t.advance(299_000)
    expect(await finish(live)).toMatchObject({ code: 'CONSOLE_WEBAUTHN_FAILED', detail: 'Unknown passkey' })
    expect(await finish(live)).toMatchObject({ code: 'CONSOLE_WEBAUTHN_FAILED', detail: 'Unknown, used or expired challenge' })
    const stale = await start()
    t.advance(300_000)
    expect(await finish(stale)).toMatchObject({ code: 'CONSOLE_WEBAUTHN_FAILED', detail: 'Unknown, used or expired challenge' })
    await t.close()
  })

  it('refuses malformed and unknown session ids as 401', async () => {
    const t = await setup()
    expect(await t.get('sentryagent_console=short')).toBe(401)
    expect(await t.get(`sentryagent_console=${randomBytes(32).toString('base64url')}`)).toBe(401)
    await t.close()
  })

  it('creates the setup link once, and invitation links expire after 24 hours', async () => {
    const t = await setup()
    expect(t.links).toHaveLength(1)
    expect(t.links[0]).toMatch(/^http:\/\/localhost:3000\/console\/#\/invite\/[A-Za-z0-9_-]{43}$/)
    const admin = await t.token()
    const inv = await t.app.inject({ method: 'POST', url: '/api/v1/operators/invitations', headers: { authorization: `Bearer ${admin}` }, payload: { email: 'later@example.com', role: 'viewer' } })
    expect(inv.statusCode).toBe(201)
    const token = String((inv.json() as { link: string }).link.split('#/invite/')[1])
    const options = () => t.app.inject({ method: 'POST', url: '/console/api/registration/options', payload: { token } })
    t.advance(24 * 3600_000 - 1000)
    expect((await options()).statusCode).toBe(200)
    t.advance(2000)
    const expired = await options()
    expect(expired.statusCode).toBe(400)
    expect(expired.json()).toMatchObject({ code: 'CONSOLE_INVITATION_INVALID' })
    await t.close()
  })
})
