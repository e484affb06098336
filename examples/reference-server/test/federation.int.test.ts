/**
 * `@sentryagent/plugin-federation` over HTTP on the real reference server (PGlite, and PostgreSQL
 * when reachable): workloads holding a GitHub Actions, Kubernetes or SPIFFE token get an agent
 * token through jwt-bearer, token exchange and `POST /oidc/token` with no stored secret; every
 * hostile token is `invalid_grant`; trust policies obey the authority rule and tenancy; partner
 * IdPs chain identities across two servers. The issuers are local (no network), served under their
 * real URLs through the transport's test hook.
 */
import { createFederationPlugin } from '@sentryagent/plugin-federation'
import { createSafeFetch } from '@sentryagent/safe-fetch'
import { base64url, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PluginEntry } from '../src/plugins.js'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'
import { GITHUB, githubClaims, kubernetesClaims, mappedTransport, spiffeClaims, startLocalIssuer, type LocalIssuer } from './fixtures/oidc-issuer.js'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const ACCESS_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const K8S = 'https://oidc.k8s.example.com'
const SPIFFE = 'https://oidc.spire.example.com'

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>

let github: LocalIssuer
let k8s: LocalIssuer
let spire: LocalIssuer
const entry = (): PluginEntry => ({
  enabledByDefault: () => true,
  create: (config) =>
    createFederationPlugin({
      ...config.federation,
      transport: mappedTransport([github, k8s, spire], createSafeFetch({ allowPrivate: config.federation.allowInsecureLocalhost })),
    }),
})

beforeAll(async () => {
  github = await startLocalIssuer(GITHUB)
  k8s = await startLocalIssuer(K8S, { alg: 'ES256' })
  spire = await startLocalIssuer(SPIFFE, { alg: 'ES256' })
})
afterAll(async () => {
  await Promise.all([github.close(), k8s.close(), spire.close()])
})

for (const t of TARGETS) {
  describe(`federation: workloads exchange platform tokens (${t.name})`, () => {
    let server: Running
    let http: ReturnType<typeof api>
    let admin: string
    let tenant: Awaited<ReturnType<typeof provisionTenant>>
    let manager: string
    let deployer: { agentId: string }

    const createAgent = async (token: string, name: string, scopes: string[]) => {
      const res = await http.call('POST', '/api/v1/agents', token, {
        name, agentType: 'custom', version: '1.0.0', capabilities: ['deploy:run'], owner: 'ci', deploymentEnv: 'production', scopes,
      })
      if (res.status !== 201) throw new Error(`agent: ${res.status} ${JSON.stringify(res.body)}`)
      return { agentId: String(res.body?.['agentId']) }
    }
    const bearer = (assertion: string, extra: Record<string, string> = {}) => http.form('/oauth2/token', { grant_type: JWT_BEARER, assertion, ...extra })

    beforeAll(async () => {
      server = await startOn(t, { PLUGINS: 'federation' }, { knownPlugins: { federation: entry() } })
      http = api(server.url)
      admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      tenant = await provisionTenant(server.url, admin, `fed-${t.name}`, ['agents:read', 'agents:write', 'audit:read', 'tokens:read'])
      manager = await http.token(tenant.clientId, tenant.clientSecret)
      deployer = await createAgent(manager, 'deployer', ['agents:read', 'audit:read'])
      const policy = await http.call('POST', '/api/v1/oidc/trust-policies', manager, {
        name: 'deploy from main',
        issuer: GITHUB,
        conditions: [
          { claim: 'repository', equals: 'acme/app' },
          { claim: 'ref', glob: 'refs/heads/main' },
          { claim: 'runner_environment', equals: 'github-hosted' },
        ],
        agentId: deployer.agentId,
        scopes: ['agents:read'],
      })
      expect(policy.status, JSON.stringify(policy.body)).toBe(201)
    })
    afterAll(async () => server?.close())

    it('advertises the grants and exchanges a GitHub Actions token through jwt-bearer, with act and audit', async () => {
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['grant_types_supported']).toEqual(expect.arrayContaining([JWT_BEARER, TOKEN_EXCHANGE]))
      const res = await bearer(await github.sign(githubClaims(server.url)))
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      const token = String(res.body?.['access_token'])
      expect(res.body?.['scope']).toBe('agents:read')
      expect(claimsOf(token)).toMatchObject({ sub: deployer.agentId, scope: 'agents:read', act: { sub: 'repo:acme/app:ref:refs/heads/main', iss: GITHUB } })
      expect((await http.call('GET', `/api/v1/agents/${deployer.agentId}`, token)).status).toBe(200)
      const audit = await http.call('GET', '/api/v1/audit?action=federation.token_exchanged', manager)
      expect(audit.body?.['items']).toEqual([
        expect.objectContaining({ agentId: deployer.agentId, details: expect.objectContaining({ issuer: GITHUB, subject: 'repo:acme/app:ref:refs/heads/main', via: 'jwt-bearer', grantType: JWT_BEARER }) }),
      ])
    })

    it('exchanges through RFC 8693 token exchange and POST /oidc/token', async () => {
      const exchanged = await http.form('/oauth2/token', { grant_type: TOKEN_EXCHANGE, subject_token: await github.sign(githubClaims(server.url)), subject_token_type: JWT_TYPE })
      expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200)
      expect(exchanged.body?.['issued_token_type']).toBe(ACCESS_TYPE)
      const wrapped = await http.call('POST', '/api/v1/oidc/token', undefined, { provider: 'github', token: await github.sign(githubClaims(server.url)), agentId: deployer.agentId })
      expect(wrapped.status, JSON.stringify(wrapped.body)).toBe(200)
      expect(claimsOf(String(wrapped.body?.['access_token']))).toMatchObject({ sub: deployer.agentId })
      expect(wrapped.headers.get('cache-control')).toContain('no-store')
      // provider pins the issuer: a Kubernetes token is not a GitHub token.
      const wrong = await http.call('POST', '/api/v1/oidc/token', undefined, { provider: 'github', token: await k8s.sign(kubernetesClaims(K8S, server.url, 'ci', 'builder')) })
      expect(wrong.status).toBe(400)
      expect(wrong.body).toMatchObject({ error: 'invalid_grant' })
    })

    it('refuses hostile and non-matching tokens with invalid_grant, never a 5xx', async () => {
      const now = Math.floor(Date.now() / 1000)
      const hmacKey = new TextEncoder().encode(JSON.stringify(github.publicJwk()))
      const unsigned = (claims: Record<string, unknown>) =>
        `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claims))}.`
      const cases: [string, string][] = [
        ['wrong branch', await github.sign(githubClaims(server.url, { ref: 'refs/heads/dev' }))],
        ['wrong repository', await github.sign(githubClaims(server.url, { repository: 'evil/app' }))],
        ['environment form of sub, other ref', await github.sign(githubClaims(server.url, { environment: 'prod', ref: 'refs/heads/feature' }))],
        ['pull request', await github.sign(githubClaims(server.url, { pullRequest: 7 }))],
        ['self-hosted runner', await github.sign(githubClaims(server.url, { runner_environment: 'self-hosted' }))],
        ['wrong audience', await github.sign(githubClaims('https://github.com/acme'))],
        ['unregistered issuer', await github.sign(githubClaims(server.url, { iss: 'https://token.actions.evil.example' }))],
        ['expired', await github.sign(githubClaims(server.url, { exp: now - 120, iat: now - 400, nbf: now - 400 }))],
        ['future nbf', await github.sign(githubClaims(server.url, { nbf: now + 600, exp: now + 900 }))],
        ['too old', await github.sign(githubClaims(server.url, { iat: now - 1200, nbf: now - 1200, exp: now + 600 }))],
        ['issued in the future', await github.sign(githubClaims(server.url, { iat: now + 600, exp: now + 900 }))],
        ['alg none', unsigned(githubClaims(server.url))],
        ['HS256 with the public key as secret', await new SignJWT(githubClaims(server.url)).setProtectedHeader({ alg: 'HS256', kid: github.kid }).sign(hmacKey)],
        ['kid of a published key, signed by another key', await github.signWithUnpublishedKey(githubClaims(server.url), github.kid)],
        ['typ of another token kind', await github.sign(githubClaims(server.url), { typ: 'dpop+jwt' })],
        ['garbage', 'not-a-jwt'],
      ]
      for (const [name, assertion] of cases) {
        const res = await bearer(assertion)
        expect({ name, status: res.status, error: res.body?.['error'] }).toStrictEqual({ name, status: 400, error: 'invalid_grant' })
      }
    })

    it('refuses a replayed token, and scopes beyond the policy', async () => {
      const token = await github.sign(githubClaims(server.url))
      expect((await bearer(token)).status).toBe(200)
      const replay = await bearer(token)
      expect(replay.body).toMatchObject({ error: 'invalid_grant' })
      // audit:read is the agent's but not the policy's; agents:write is neither.
      for (const scope of ['audit:read', 'agents:write', 'admin:orgs']) {
        const res = await bearer(await github.sign(githubClaims(server.url)), { scope })
        expect(res.body).toMatchObject({ error: 'invalid_scope' })
      }
    })

    it('fetches the JWKS once per unknown kid (cooldown), and serves cached keys while the issuer is down', async () => {
      // Populate the cache, then rotate: the new kid is unknown to the cache → exactly one refetch.
      expect((await bearer(await github.sign(githubClaims(server.url)))).status).toBe(200)
      await github.rotate()
      const before = github.jwksFetches
      expect((await bearer(await github.sign(githubClaims(server.url)))).status).toBe(200)
      expect(github.jwksFetches).toBe(before + 1)
      // Unknown kids within the cooldown cause no further fetch.
      for (let i = 0; i < 3; i++) {
        expect((await bearer(await github.signWithUnpublishedKey(githubClaims(server.url), `unknown-${i}`))).body).toMatchObject({ error: 'invalid_grant' })
      }
      expect(github.jwksFetches).toBe(before + 1)
      // Down: the cached keys (max-age=600) keep working.
      github.down = true
      try {
        expect((await bearer(await github.sign(githubClaims(server.url)))).status).toBe(200)
      } finally {
        github.down = false
      }
    })

    it('exchanges Kubernetes service-account tokens and SPIFFE JWT-SVIDs (ES256), matching nested claims and globs', async () => {
      const k8sAgent = await createAgent(manager, 'k8s-worker', ['agents:read'])
      const spiffeAgent = await createAgent(manager, 'spiffe-worker', ['agents:read'])
      expect(
        (await http.call('POST', '/api/v1/oidc/trust-policies', manager, {
          name: 'ci builders', issuer: K8S, agentId: k8sAgent.agentId, scopes: ['agents:read'],
          conditions: [{ claim: 'sub', glob: 'system:serviceaccount:ci:*' }, { claim: ['kubernetes.io', 'namespace'], equals: 'ci' }],
        })).status,
      ).toBe(201)
      expect(
        (await http.call('POST', '/api/v1/oidc/trust-policies', manager, {
          name: 'web workloads', issuer: SPIFFE, agentId: spiffeAgent.agentId, scopes: ['agents:read'],
          conditions: [{ claim: 'sub', glob: 'spiffe://example.org/ns/*/sa/web' }],
        })).status,
      ).toBe(201)
      const k = await http.form('/oauth2/token', { grant_type: TOKEN_EXCHANGE, subject_token: await k8s.sign(kubernetesClaims(K8S, server.url, 'ci', 'builder')), subject_token_type: JWT_TYPE })
      expect(k.status, JSON.stringify(k.body)).toBe(200)
      expect(claimsOf(String(k.body?.['access_token']))).toMatchObject({ sub: k8sAgent.agentId, act: { sub: 'system:serviceaccount:ci:builder' } })
      const otherNs = await bearer(await k8s.sign(kubernetesClaims(K8S, server.url, 'prod', 'builder')))
      expect(otherNs.body).toMatchObject({ error: 'invalid_grant' })
      const svid = await spire.sign(spiffeClaims(SPIFFE, server.url, 'spiffe://example.org/ns/prod/sa/web'))
      expect((await bearer(svid)).status).toBe(200)
      // No jti: the token's hash is single-use.
      expect((await bearer(svid)).body).toMatchObject({ error: 'invalid_grant' })
      expect((await bearer(await spire.sign(spiffeClaims(SPIFFE, server.url, 'spiffe://example.org/ns/prod/sa/web/extra')))).body).toMatchObject({ error: 'invalid_grant' })
    })

    it('enforces the authority rule and tenancy on trust policies', async () => {
      const policyBody = (agentId: string, scopes: string[]) => ({ name: 'p', issuer: GITHUB, conditions: [{ claim: 'repository', equals: 'acme/app' }], agentId, scopes })
      // A caller with agents:write but without audit:read cannot bind an agent holding audit:read.
      const limited = await createAgent(manager, 'limited-manager', ['agents:read', 'agents:write'])
      const cred = await http.call('POST', `/api/v1/agents/${limited.agentId}/credentials`, manager, {})
      const limitedToken = await http.token(String(cred.body?.['clientId']), String(cred.body?.['clientSecret']))
      const refused = await http.call('POST', '/api/v1/oidc/trust-policies', limitedToken, policyBody(deployer.agentId, ['agents:read']))
      expect(refused.status).toBe(403)
      expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE' })
      // A policy cannot grant more than the bound agent holds.
      const escalate = await http.call('POST', '/api/v1/oidc/trust-policies', manager, policyBody(deployer.agentId, ['agents:read', 'agents:write']))
      expect(escalate.status).toBe(403)
      // agents:read alone cannot create.
      const reader = await createAgent(manager, 'reader', ['agents:read'])
      const readerCred = await http.call('POST', `/api/v1/agents/${reader.agentId}/credentials`, manager, {})
      const readerToken = await http.token(String(readerCred.body?.['clientId']), String(readerCred.body?.['clientSecret']))
      expect((await http.call('POST', '/api/v1/oidc/trust-policies', readerToken, policyBody(reader.agentId, ['agents:read']))).status).toBe(403)
      // Too broad: any GitHub workflow.
      const broad = await http.call('POST', '/api/v1/oidc/trust-policies', manager, { ...policyBody(deployer.agentId, ['agents:read']), conditions: [{ claim: 'ref', equals: 'refs/heads/main' }] })
      expect(broad.status).toBe(400)
      // Unknown fields are refused.
      expect((await http.call('POST', '/api/v1/oidc/trust-policies', manager, { ...policyBody(deployer.agentId, ['agents:read']), jwksUri: 'https://evil.example' })).status).toBe(400)

      // Another organization: its agent and its policies are 404.
      const other = await provisionTenant(server.url, admin, `fed-other-${t.name}`, ['agents:read', 'agents:write', 'audit:read', 'tokens:read'])
      const otherToken = await http.token(other.clientId, other.clientSecret)
      expect((await http.call('POST', '/api/v1/oidc/trust-policies', otherToken, policyBody(deployer.agentId, ['agents:read']))).status).toBe(404)
      const mine = await http.call('GET', '/api/v1/oidc/trust-policies', manager)
      const policyId = String((mine.body?.['items'] as { policyId: string }[])[0]?.policyId)
      expect((await http.call('GET', `/api/v1/oidc/trust-policies/${policyId}`, otherToken)).status).toBe(404)
      expect((await http.call('PATCH', `/api/v1/oidc/trust-policies/${policyId}`, otherToken, { name: 'x' })).status).toBe(404)
      expect((await http.call('DELETE', `/api/v1/oidc/trust-policies/${policyId}`, otherToken)).status).toBe(404)
      expect(((await http.call('GET', '/api/v1/oidc/trust-policies', otherToken)).body?.['items'] as unknown[]).length).toBe(0)
      // Partners are for platform administrators only.
      expect((await http.call('GET', '/api/v1/federation/partners', manager)).status).toBe(403)
    })

    it('updates policies under the same rules, and audits every change', async () => {
      const agent = await createAgent(manager, 'patched', ['agents:read', 'audit:read'])
      const created = await http.call('POST', '/api/v1/oidc/trust-policies', manager, {
        name: 'patch me', issuer: GITHUB, conditions: [{ claim: 'repository', equals: 'acme/patch' }], agentId: agent.agentId, scopes: ['agents:read'],
      })
      const policyId = String(created.body?.['policyId'])
      const patched = await http.call('PATCH', `/api/v1/oidc/trust-policies/${policyId}`, manager, { scopes: ['agents:read', 'audit:read'], conditions: [{ claim: 'repository', glob: 'acme/patch-*' }] })
      expect(patched.status, JSON.stringify(patched.body)).toBe(200)
      expect(patched.body).toMatchObject({ scopes: ['agents:read', 'audit:read'], conditions: [{ claim: 'repository', glob: 'acme/patch-*' }] })
      expect((await http.call('PATCH', `/api/v1/oidc/trust-policies/${policyId}`, manager, { scopes: ['agents:write'] })).status).toBe(403)
      expect((await http.call('PATCH', `/api/v1/oidc/trust-policies/${policyId}`, manager, { conditions: [{ claim: 'sub', glob: 'repo:**' }] })).status).toBe(400)
      expect((await http.call('PATCH', `/api/v1/oidc/trust-policies/${policyId}`, manager, { issuer: 'https://gitlab.com' })).status).toBe(400)
      expect((await http.call('GET', `/api/v1/oidc/trust-policies/${policyId}`, manager)).body).toMatchObject({ scopes: ['agents:read', 'audit:read'] })
      const audit = await http.call('GET', `/api/v1/audit?agentId=${agent.agentId}`, manager)
      const actions = (audit.body?.['items'] as { action: string }[]).map((e) => e.action)
      expect(actions).toEqual(expect.arrayContaining(['federation.policy_created', 'federation.policy_updated']))
      expect(actions.filter((a) => a === 'federation.policy_updated')).toHaveLength(1)
    })

    it('kills issued tokens when their trust policy is deleted', async () => {
      const agent = await createAgent(manager, 'short-lived', ['agents:read'])
      const created = await http.call('POST', '/api/v1/oidc/trust-policies', manager, {
        name: 'temp', issuer: GITHUB, conditions: [{ claim: 'repository', equals: 'acme/temp' }], agentId: agent.agentId, scopes: ['agents:read'],
      })
      const res = await bearer(await github.sign(githubClaims(server.url, { repository: 'acme/temp' })))
      const token = String(res.body?.['access_token'])
      expect((await http.call('GET', `/api/v1/agents/${agent.agentId}`, token)).status).toBe(200)
      expect((await http.call('DELETE', `/api/v1/oidc/trust-policies/${String(created.body?.['policyId'])}`, manager)).status).toBe(204)
      expect((await http.call('GET', `/api/v1/agents/${agent.agentId}`, token)).status).toBe(401)
    })

    it('bootstrap mode: a workload gets an agents:write token that can only register agents', async () => {
      const registrar = await createAgent(manager, 'registrar', ['agents:write'])
      expect(
        (await http.call('POST', '/api/v1/oidc/trust-policies', manager, {
          name: 'bootstrap', issuer: GITHUB, mode: 'bootstrap', conditions: [{ claim: 'repository', equals: 'acme/bootstrap' }], agentId: registrar.agentId,
        })).status,
      ).toBe(201)
      const res = await bearer(await github.sign(githubClaims(server.url, { repository: 'acme/bootstrap' })))
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      const token = String(res.body?.['access_token'])
      expect(res.body?.['scope']).toBe('agents:write')
      const created = await http.call('POST', '/api/v1/agents', token, { name: 'from-ci', agentType: 'custom', version: '1.0.0', capabilities: ['x:y'], owner: 'ci', deploymentEnv: 'production', scopes: [] })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const agentId = String(created.body?.['agentId'])
      expect((await http.call('POST', `/api/v1/agents/${agentId}/credentials`, token, {})).status).toBe(403)
      expect((await http.call('PATCH', `/api/v1/agents/${agentId}`, token, { description: 'x' })).status).toBe(403)
    })
  })
}

describe('federation: partner IdPs and identity chaining across two servers', () => {
  let a: Running
  let b: Running
  beforeAll(async () => {
    // PostgreSQL when reachable (quicker to start), else PGlite; one server after the other.
    const t = TARGETS[TARGETS.length - 1]
    if (t === undefined) throw new Error('no target')
    a = await startOn(t, { PLUGINS: 'federation' }, { knownPlugins: { federation: entry() } })
    b = await startOn(t, { PLUGINS: 'federation', FEDERATION_ALLOW_INSECURE_LOCALHOST: 'true' }, { knownPlugins: { federation: entry() } })
  }, 120_000)
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  it("exchanges A's agent token at B for a B token whose act names the A agent; partner suspension takes effect at once", async () => {
    const httpA = api(a.url)
    const httpB = api(b.url)
    const adminA = await httpA.token(ADMIN_ID, ADMIN_SECRET)
    const adminB = await httpB.token(ADMIN_ID, ADMIN_SECRET)
    const agentA = await provisionTenant(a.url, adminA, 'chain-a', ['agents:read'])
    const agentB = await provisionTenant(b.url, adminB, 'chain-b', ['agents:read', 'agents:write', 'tokens:read'])
    const managerB = await httpB.token(agentB.clientId, agentB.clientSecret)

    // A's token before A is a partner: untrusted issuer.
    const tokenA = await httpA.token(agentA.clientId, agentA.clientSecret)
    const exchange = (subjectToken: string) =>
      httpB.form('/oauth2/token', { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TYPE })
    expect((await exchange(tokenA)).body).toMatchObject({ error: 'invalid_grant' })

    // Registration checks the JWKS.
    const badJwks = await httpB.call('POST', '/api/v1/federation/partners', adminB, { name: 'A', issuer: a.url, jwksUri: `${a.url}/nope.json`, allowedOrganizations: [agentA.organizationId] })
    expect(badJwks.status).toBe(422)
    expect(badJwks.body).toMatchObject({ code: 'FEDERATION_JWKS_UNAVAILABLE' })
    const partner = await httpB.call('POST', '/api/v1/federation/partners', adminB, {
      name: 'IdP A', issuer: a.url, jwksUri: `${a.url}/.well-known/jwks.json`, allowedOrganizations: [agentA.organizationId],
    })
    expect(partner.status, JSON.stringify(partner.body)).toBe(201)
    const partnerId = String(partner.body?.['partnerId'])
    // B binds A's agent to one of its own agents. A's access tokens carry aud = A's issuer.
    const policy = await httpB.call('POST', '/api/v1/oidc/trust-policies', managerB, {
      name: 'agents of A', issuer: a.url, audience: a.url, conditions: [{ claim: 'sub', equals: agentA.agentId }], agentId: agentB.agentId, scopes: ['agents:read'],
    })
    expect(policy.status, JSON.stringify(policy.body)).toBe(201)

    const verified = await httpB.call('POST', '/api/v1/federation/verify', managerB, { token: tokenA })
    expect(verified.body).toMatchObject({ valid: true, issuer: a.url, claims: { sub: agentA.agentId } })
    expect((await httpB.call('POST', '/api/v1/federation/verify', managerB, { token: 'x.y.z' })).body).toMatchObject({ valid: false, reason: 'malformed' })

    const res = await exchange(tokenA)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const tokenB = String(res.body?.['access_token'])
    expect(claimsOf(tokenB)).toMatchObject({ iss: b.url, sub: agentB.agentId, act: { sub: agentA.agentId, iss: a.url } })
    expect((await httpB.call('GET', `/api/v1/agents/${agentB.agentId}`, tokenB)).status).toBe(200)
    // Single use.
    expect((await exchange(tokenA)).body).toMatchObject({ error: 'invalid_grant' })
    // An organization of A that is not allowed.
    const otherA = await provisionTenant(a.url, adminA, 'chain-a2', ['agents:read'])
    expect((await exchange(await httpA.token(otherA.clientId, otherA.clientSecret))).body).toMatchObject({ error: 'invalid_grant' })

    // Suspending the partner at B: the issued B token dies at once, new exchanges are refused.
    expect((await httpB.call('PATCH', `/api/v1/federation/partners/${partnerId}`, adminB, { status: 'suspended' })).status).toBe(200)
    expect((await httpB.call('GET', `/api/v1/agents/${agentB.agentId}`, tokenB)).status).toBe(401)
    expect((await exchange(await httpA.token(agentA.clientId, agentA.clientSecret))).body).toMatchObject({ error: 'invalid_grant' })
    // Deleting it while a policy still names its issuer is refused (the issuer would otherwise be
    // trusted as a plain OIDC issuer through its discovery document).
    const blocked = await httpB.call('DELETE', `/api/v1/federation/partners/${partnerId}`, adminB)
    expect(blocked.status).toBe(409)
    expect((await httpB.call('DELETE', `/api/v1/oidc/trust-policies/${String(policy.body?.['policyId'])}`, managerB)).status).toBe(204)
    expect((await httpB.call('DELETE', `/api/v1/federation/partners/${partnerId}`, adminB)).status).toBe(204)
    expect((await httpB.call('GET', `/api/v1/federation/partners/${partnerId}`, adminB)).status).toBe(404)
  })
})

describe('federation not installed', () => {
  it('answers 404 on its routes and advertises no jwt-bearer grant', async () => {
    const t = TARGETS[0]
    if (t === undefined) throw new Error('no target')
    const server = await startOn(t, { PLUGINS: 'none' }, { knownPlugins: { federation: entry() } })
    try {
      const http = api(server.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      expect((await http.call('GET', '/api/v1/oidc/trust-policies', admin)).status).toBe(404)
      expect((await http.call('POST', '/api/v1/oidc/token', undefined, { token: 'x' })).status).toBe(404)
      const discovery = await http.call('GET', '/.well-known/openid-configuration')
      expect(discovery.body?.['grant_types_supported']).not.toContain(JWT_BEARER)
    } finally {
      await server.close()
    }
  }, 120_000)
})

describe('FEDERATION_ALLOWED_ISSUERS', () => {
  it('limits the issuers trust policies may name', async () => {
    const t = TARGETS[TARGETS.length - 1]
    if (t === undefined) throw new Error('no target')
    const server = await startOn(t, { PLUGINS: 'federation', FEDERATION_ALLOWED_ISSUERS: GITHUB }, { knownPlugins: { federation: entry() } })
    try {
      const http = api(server.url)
      const admin = await http.token(ADMIN_ID, ADMIN_SECRET)
      const tenant = await provisionTenant(server.url, admin, 'allowed-issuers', ['agents:read', 'agents:write'])
      const manager = await http.token(tenant.clientId, tenant.clientSecret)
      const policy = (issuer: string) => ({ name: 'p', issuer, conditions: [{ claim: 'repository', equals: 'acme/app' }], agentId: tenant.agentId, scopes: ['agents:read'] })
      expect((await http.call('POST', '/api/v1/oidc/trust-policies', manager, policy(GITHUB))).status).toBe(201)
      const refused = await http.call('POST', '/api/v1/oidc/trust-policies', manager, policy(K8S))
      expect(refused.status).toBe(400)
      expect(refused.body).toMatchObject({ code: 'VALIDATION_ERROR' })
    } finally {
      await server.close()
    }
  }, 120_000)
})
