/**
 * Operators and the console over HTTP on the real reference server (PGlite, and PostgreSQL when
 * reachable), with a software authenticator: the setup link (saved 0600) → the platform owner's
 * passkey → a session cookie that calls the REST API through core operations (audited as
 * `operator:<id>`), CSRF on every state change, invitations within the role's authority, viewers
 * that cannot write, other organizations' ids that do not exist, and WebAuthn failures that are
 * refused: replayed challenges, wrong origin or RP id, no user verification, counter regression.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SoftAuthenticator } from './fixtures/soft-authenticator.js'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, startOn, type Running } from './harness.js'

interface Session {
  cookie: string
  csrf: string
  operatorId: string
}

type Json = Record<string, unknown>

for (const target of TARGETS) {
  describe(`operators and console sessions (${target.name})`, () => {
    let server: Running
    let http: ReturnType<typeof api>
    let admin: string
    let origin: string
    let owner: Session
    let ownerKey: SoftAuthenticator

    /** A browser-like request: JSON, Origin, session cookie and CSRF token when given. */
    const browser = async (method: string, path: string, s?: Partial<Session>, body?: unknown, extra: Record<string, string> = {}) => {
      const headers: Record<string, string> = { origin, ...extra }
      if (body !== undefined) headers['content-type'] = 'application/json'
      if (s?.cookie !== undefined) headers['cookie'] = s.cookie
      if (s?.csrf !== undefined) headers['x-csrf-token'] = s.csrf
      const res = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      const text = await res.text()
      return { status: res.status, headers: res.headers, body: (text === '' ? undefined : JSON.parse(text)) as Json | undefined }
    }

    const sessionFrom = (res: Awaited<ReturnType<typeof browser>>): Session => {
      expect(res.status).toBe(200)
      const setCookie = res.headers.get('set-cookie') ?? ''
      expect(setCookie).toMatch(/HttpOnly/)
      expect(setCookie).toMatch(/SameSite=Strict/)
      const body = res.body as { csrfToken: string; operator: { operatorId: string } }
      return { cookie: setCookie.split(';')[0] ?? '', csrf: body.csrfToken, operatorId: body.operator.operatorId }
    }

    /** Registers a passkey through an invitation link; returns the session. */
    const register = async (link: string, key: SoftAuthenticator, profile: { displayName: string; email?: string }) => {
      const token = link.split('#/invite/')[1] ?? ''
      const start = await browser('POST', '/console/api/registration/options', undefined, { token })
      expect(start.status).toBe(200)
      const { ceremonyId, options } = start.body as { ceremonyId: string; options: { challenge: string; user: { id: string } } }
      const done = await browser('POST', '/console/api/registration', undefined, { ceremonyId, token, response: key.register(options), ...profile })
      return sessionFrom(done)
    }

    const signIn = async (key: SoftAuthenticator, tamper: Parameters<SoftAuthenticator['authenticate']>[1] = {}) => {
      const start = await browser('POST', '/console/api/sign-in/options', undefined, {})
      const { ceremonyId, options } = start.body as { ceremonyId: string; options: { challenge: string } }
      return { ceremonyId, options, res: await browser('POST', '/console/api/sign-in', undefined, { ceremonyId, response: key.authenticate(options, tamper) }) }
    }

    const invite = async (s: Session | string, email: string, role: string, organizationId?: string) => {
      const body = { email, role, ...(organizationId === undefined ? {} : { organizationId }) }
      return typeof s === 'string' ? http.call('POST', '/api/v1/operators/invitations', s, body) : browser('POST', '/api/v1/operators/invitations', s, body)
    }

    beforeAll(async () => {
      server = await startOn(target)
      http = api(server.url)
      admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      origin = new URL(server.url).origin
      ownerKey = new SoftAuthenticator(origin, new URL(origin).hostname)
    })
    afterAll(async () => server.close())

    it('saves a one-time setup link (mode 0600) and registers the platform owner with a passkey', async () => {
      const file = join(server.config.dataDir, 'console-setup-link.txt')
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      const link = (await readFile(file, 'utf8')).trim()
      expect(link).toMatch(new RegExp(`^${origin}/console/#/invite/[A-Za-z0-9_-]{43}$`))
      owner = await register(link, ownerKey, { displayName: 'Root', email: 'root@example.com' })
      const me = await browser('GET', '/console/api/session', owner)
      expect(me.body).toMatchObject({ operator: { role: 'owner', email: 'root@example.com' } })
      expect((me.body as { operator: { scopes: string[] } }).operator.scopes).toContain('admin:orgs')
      // The link is single-use.
      const again = await browser('POST', '/console/api/registration/options', undefined, { token: link.split('#/invite/')[1] })
      expect(again.status).toBe(400)
      expect(again.body).toMatchObject({ code: 'CONSOLE_INVITATION_INVALID' })
    })

    it('acts through core operations with the session, audited as operator:<id>; CSRF is required on every state change', async () => {
      const org = { name: 'Console Co', slug: `console-${target.name}` }
      const noCsrf = await browser('POST', '/api/v1/organizations', { cookie: owner.cookie }, org)
      expect(noCsrf.status).toBe(403)
      expect(noCsrf.body).toMatchObject({ code: 'CONSOLE_CSRF' })
      const wrongCsrf = await browser('POST', '/api/v1/organizations', { cookie: owner.cookie, csrf: 'x'.repeat(43) }, org)
      expect(wrongCsrf.status).toBe(403)
      const crossSite = await browser('POST', '/api/v1/organizations', owner, org, { origin: 'https://evil.example' })
      expect(crossSite.status).toBe(403)
      const created = await browser('POST', '/api/v1/organizations', owner, org)
      expect(created.status).toBe(201)
      const agent = await browser('POST', '/api/v1/agents', owner, { name: 'console-made', agentType: 'custom', version: '1.0.0', capabilities: ['x:y'], owner: 'ops', deploymentEnv: 'development', scopes: ['agents:read'] })
      expect(agent.status).toBe(201)
      const audit = await http.call('GET', '/api/v1/audit?action=agent.created', admin)
      const actors = (audit.body?.['items'] as { actor: string }[]).map((e) => e.actor)
      expect(actors).toContain(`operator:${owner.operatorId}`)
      const joined = await http.call('GET', '/api/v1/audit?action=console.operator_joined', admin)
      expect((joined.body?.['items'] as unknown[]).length).toBe(1)
      // Without a cookie or token: 401.
      expect((await browser('GET', '/api/v1/agents')).status).toBe(401)
    })

    it('invites a viewer who can read but not write, over the console and the API', async () => {
      const inv = await invite(owner, 'viewer@example.com', 'viewer')
      expect(inv.status).toBe(201)
      expect(inv.body).toMatchObject({ role: 'viewer', email: 'viewer@example.com' })
      const viewer = await register(String(inv.body?.['link']), new SoftAuthenticator(origin, new URL(origin).hostname), { displayName: 'Vera' })
      expect((await browser('GET', '/api/v1/agents', viewer)).status).toBe(200)
      const writes = [
        browser('POST', '/api/v1/agents', viewer, { name: 'nope', agentType: 'custom', version: '1.0.0', capabilities: ['x:y'], owner: 'v', deploymentEnv: 'development' }),
        invite(viewer, 'other@example.com', 'viewer'),
        browser('PATCH', `/api/v1/operators/${owner.operatorId}`, viewer, { role: 'viewer' }),
        browser('DELETE', `/api/v1/operators/${owner.operatorId}`, viewer),
      ]
      for (const res of await Promise.all(writes)) expect(res.status).toBe(403)
      const audit = await browser('GET', '/api/v1/audit', viewer)
      expect(audit.status).toBe(200)
    })

    it('keeps roles within the caller’s authority: an admin cannot create or touch an owner', async () => {
      const org = await http.call('POST', '/api/v1/organizations', admin, { name: 'Tenant B', slug: `tenant-b-${target.name}` })
      const orgB = String(org.body?.['organizationId'])
      const inv = await invite(admin, 'admin@b.example', 'admin', orgB)
      expect(inv.status).toBe(201)
      const adminB = await register(String(inv.body?.['link']), new SoftAuthenticator(origin, new URL(origin).hostname), { displayName: 'Ada' })
      const ownerInv = await invite(adminB, 'boss@b.example', 'owner')
      expect(ownerInv.status).toBe(403)
      expect(ownerInv.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
      expect((await invite(adminB, 'member@b.example', 'member')).status).toBe(201)
      // Tenancy: another organization's operators, passkeys and agents do not exist for B.
      for (const path of [`/api/v1/operators/${owner.operatorId}`, `/api/v1/operators/${owner.operatorId}/passkeys`]) {
        expect((await browser('GET', path, adminB)).status).toBe(404)
      }
      expect((await browser('DELETE', `/api/v1/operators/${owner.operatorId}`, adminB)).status).toBe(404)
      expect((await browser('PATCH', `/api/v1/operators/${owner.operatorId}`, adminB, { displayName: 'x' })).status).toBe(404)
      const ops = await browser('GET', '/api/v1/operators', adminB)
      expect((ops.body?.['items'] as { email: string }[]).map((o) => o.email)).toEqual(['admin@b.example'])
      // A platform admin's invitation into an unknown organization: 404, as for a non-admin naming another one.
      expect((await invite(admin, 'x@example.com', 'viewer', 'org_does_not_exist')).status).toBe(404)
      expect((await invite(adminB, 'x@example.com', 'viewer', 'org_does_not_exist')).status).toBe(404)
    })

    it('lets the platform owner manage another organization’s operators from its session; for anyone else it is 404', async () => {
      const platformOrgId = String(((await browser('GET', '/console/api/session', owner)).body?.['operator'] as { organizationId: string }).organizationId)
      const org = await browser('POST', '/api/v1/organizations', owner, { name: 'Tenant C', slug: `tenant-c-${target.name}` })
      expect(org.status).toBe(201)
      const orgC = String(org.body?.['organizationId'])
      const inv = await invite(owner, 'admin@c.example', 'admin', orgC)
      expect(inv.status).toBe(201)
      expect(inv.body).toMatchObject({ organizationId: orgC, role: 'admin' })
      const adminC = await register(String(inv.body?.['link']), new SoftAuthenticator(origin, new URL(origin).hostname), { displayName: 'Cleo' })
      const pending = await invite(owner, 'later@c.example', 'viewer', orgC)
      expect(pending.status).toBe(201)
      const listed = await browser('GET', `/api/v1/operators?organizationId=${orgC}`, owner)
      expect((listed.body?.['items'] as { email: string }[]).map((o) => o.email)).toEqual(['admin@c.example'])
      const invitations = await browser('GET', `/api/v1/operators/invitations?organizationId=${orgC}`, owner)
      expect((invitations.body?.['items'] as { invitationId: string }[]).map((i) => i.invitationId)).toEqual([pending.body?.['invitationId']])
      // C's admin sees its own organization without naming it; naming the platform's is 404.
      expect(((await browser('GET', '/api/v1/operators', adminC)).body?.['items'] as unknown[]).length).toBe(1)
      for (const path of [`/api/v1/operators?organizationId=${platformOrgId}`, `/api/v1/operators/invitations?organizationId=${platformOrgId}`]) {
        expect((await browser('GET', path, adminC)).status, path).toBe(404)
      }
      expect((await invite(adminC, 'x@example.com', 'viewer', platformOrgId)).status).toBe(404)
      // The platform owner acts on C's operator and invitation by id.
      expect((await browser('GET', `/api/v1/operators/${adminC.operatorId}/passkeys`, owner)).status).toBe(200)
      const demoted = await browser('PATCH', `/api/v1/operators/${adminC.operatorId}`, owner, { role: 'member' })
      expect(demoted.status).toBe(200)
      expect(demoted.body).toMatchObject({ organizationId: orgC, role: 'member' })
      // The role change ended C's admin's session.
      expect((await browser('GET', '/api/v1/operators', adminC)).status).toBe(401)
      expect((await browser('DELETE', `/api/v1/operators/invitations/${String(pending.body?.['invitationId'])}`, owner)).status).toBe(204)
      // Removed: gone, for the platform owner too.
      expect((await browser('DELETE', `/api/v1/operators/${adminC.operatorId}`, owner)).status).toBe(204)
      expect((await browser('GET', `/api/v1/operators/${adminC.operatorId}`, owner)).status).toBe(404)
    })

    it('signs in with the passkey; refuses replayed challenges, wrong origin or RP id, missing user verification and counter regression', async () => {
      const ok = await signIn(ownerKey)
      const session = sessionFrom(ok.res)
      expect(session.operatorId).toBe(owner.operatorId)
      // The same challenge again: it was consumed.
      const replay = await browser('POST', '/console/api/sign-in', undefined, { ceremonyId: ok.ceremonyId, response: ownerKey.authenticate(ok.options) })
      expect(replay.status).toBe(400)
      expect(replay.body).toMatchObject({ code: 'CONSOLE_WEBAUTHN_FAILED' })
      for (const tamper of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { noUserVerification: true }, { counter: 1 }, { challenge: 'AAAA' }]) {
        const { res } = await signIn(ownerKey, tamper)
        expect(res.status, JSON.stringify(tamper)).toBe(400)
        expect(res.headers.get('set-cookie')).toBeNull()
      }
      const signedIn = await http.call('GET', '/api/v1/audit?action=console.signed_in', admin)
      expect((signedIn.body?.['items'] as { actor: string; details: { operatorId: string } }[]).some((e) => e.actor === `operator:${owner.operatorId}` && e.details.operatorId === owner.operatorId)).toBe(true)
      const failed = await http.call('GET', '/api/v1/audit?action=console.sign_in_failed', admin)
      expect((failed.body?.['items'] as unknown[]).length).toBeGreaterThanOrEqual(5)
      expect(sessionFrom((await signIn(ownerKey)).res).operatorId).toBe(owner.operatorId)
    })

    it('signs out here or everywhere; revoked sessions answer 401', async () => {
      const second = sessionFrom((await signIn(ownerKey)).res)
      const noCsrf = await browser('POST', '/console/api/sign-out', { cookie: second.cookie }, {})
      expect(noCsrf.status).toBe(403)
      expect((await browser('POST', '/console/api/sign-out', second, {})).status).toBe(204)
      expect((await browser('GET', '/console/api/session', second)).status).toBe(401)
      expect((await browser('GET', '/api/v1/agents', second)).status).toBe(401)
      const third = sessionFrom((await signIn(ownerKey)).res)
      expect((await browser('POST', '/console/api/sign-out', third, { everywhere: true })).status).toBe(204)
      for (const s of [owner, third]) expect((await browser('GET', '/api/v1/agents', s)).status).toBe(401)
      const out = await http.call('GET', '/api/v1/audit?action=console.signed_out', admin)
      expect((out.body?.['items'] as { details: { everywhere: boolean } }[]).some((e) => e.details.everywhere)).toBe(true)
      owner = sessionFrom((await signIn(ownerKey)).res)
    })

    it('lists and removes passkeys, never the last one', async () => {
      const list = await browser('GET', `/api/v1/operators/${owner.operatorId}/passkeys`, owner)
      const items = list.body?.['items'] as { passkeyId: string; backedUp: boolean; deviceType: string }[]
      expect(items).toHaveLength(1)
      expect(items[0]).toMatchObject({ backedUp: true, deviceType: 'multiDevice' })
      const last = await browser('DELETE', `/api/v1/operators/${owner.operatorId}/passkeys/${items[0]?.passkeyId}`, owner)
      expect(last.status).toBe(409)
      const second = new SoftAuthenticator(origin, new URL(origin).hostname)
      second.userHandle = ownerKey.userHandle
      const start = await browser('POST', '/console/api/passkeys/options', owner, {})
      const { ceremonyId, options } = start.body as { ceremonyId: string; options: { challenge: string; user: { id: string } } }
      const added = await browser('POST', '/console/api/passkeys', owner, { ceremonyId, response: second.register(options), name: 'Phone' })
      expect(added.status).toBe(201)
      expect((await browser('DELETE', `/api/v1/operators/${owner.operatorId}/passkeys/${items[0]?.passkeyId}`, owner)).status).toBe(204)
      expect((await signIn(ownerKey)).res.status).toBe(400)
      expect(sessionFrom((await signIn(second)).res).operatorId).toBe(owner.operatorId)
    })

    it('serves the console with a strict CSP', async () => {
      const res = await fetch(`${server.url}/console/`)
      if (res.status === 503) return // the UI is built by `npm run build`; the e2e test covers it
      expect(res.status).toBe(200)
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline')
    })
  })
}

describe('the console when not installed', () => {
  it('answers 404 for its routes, advertises none of its scopes and creates no setup link', async () => {
    const target = TARGETS[0]
    if (target === undefined) throw new Error('no target')
    const server = await startOn(target, { PLUGINS: 'none' })
    try {
      const http = api(server.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      expect((await http.call('GET', '/api/v1/operators', admin)).status).toBe(404)
      expect((await http.call('POST', '/console/api/sign-in/options', undefined, {})).status).toBe(404)
      expect((await fetch(`${server.url}/console/`)).status).toBe(404)
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['scopes_supported']).not.toContain('operators:read')
      await expect(stat(join(server.config.dataDir, 'console-setup-link.txt'))).rejects.toThrow()
    } finally {
      await server.close()
    }
  }, 120_000)
})
