/**
 * Provisioning of both servers and the request of each scenario: token issuance with
 * `client_secret_basic` and with `private_key_jwt` (a fresh signed assertion per request),
 * introspection, our protected `GET /api/v1/agents/{id}`, and our delegation token exchange
 * (RFC 8693).
 *
 * @module
 */
import { createPrivateKey, createSecretKey, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto'
import { decodeProtectedHeader, type JWK } from 'jose'
import type { RequestSpec } from './load.js'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const FORM = 'application/x-www-form-urlencoded'

/** The scenarios of the report. */
export type ScenarioName = 'token-basic' | 'token-pkjwt' | 'introspect' | 'protected' | 'token-exchange'

/** What a server needs for every scenario. */
export interface Target {
  /** Token and introspection endpoint paths. */
  paths: { token: string; introspect: string }
  /** Basic auth of a client that may obtain tokens and introspect. */
  basic: { id: string; secret: string }
  /** The `private_key_jwt` client: its id, key, kid, and the audience of its assertions. */
  pkjwt: { clientId: string; key: KeyObject; kid: string | undefined; audience: string }
  /** Extra token request parameters (the peer's resource indicator for introspectable tokens). */
  tokenParams: Record<string, string>
  /** Token presented to introspection. */
  introspected: string
  /** Our protected call (`undefined` for the peer: no client_credentials equivalent). */
  protected?: { path: string; token: string }
  /**
   * Our delegation token exchange (`undefined` for the peer: oidc-provider has no RFC 8693 grant,
   * only `registerGrantType` to write one): the delegatee's Basic credentials and the form body
   * (subject token = the delegation token, actor token = the delegatee's access token).
   */
  exchange?: { basic: { id: string; secret: string }; body: string }
}

/** Our endpoint paths. */
export const OUR_PATHS = { token: '/oauth2/token', introspect: '/oauth2/introspect' }

const b64u = (data: string | Buffer) => Buffer.from(data).toString('base64url')
const basicHeader = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

/** A compact ES256 client assertion (RFC 7523), signed synchronously (autocannon's setupRequest is sync). */
export function clientAssertion(p: Target['pkjwt']): string {
  const now = Math.floor(Date.now() / 1000)
  const header = b64u(JSON.stringify({ alg: 'ES256', typ: 'JWT', ...(p.kid === undefined ? {} : { kid: p.kid }) }))
  const payload = b64u(JSON.stringify({ iss: p.clientId, sub: p.clientId, aud: p.audience, iat: now, exp: now + 60, jti: randomUUID() }))
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: p.key, dsaEncoding: 'ieee-p1363' })
  return `${header}.${payload}.${b64u(signature)}`
}

/** The request of `scenario` against `target`; `undefined` when the target has no equivalent. */
export function requestFor(scenario: ScenarioName, t: Target): RequestSpec | undefined {
  const tokenBody = new URLSearchParams({ grant_type: 'client_credentials', scope: 'agents:read', ...t.tokenParams }).toString()
  switch (scenario) {
    case 'token-basic':
      return { method: 'POST', path: t.paths.token, headers: { 'content-type': FORM, authorization: basicHeader(t.basic.id, t.basic.secret) }, body: tokenBody }
    case 'token-pkjwt':
      return {
        method: 'POST',
        path: t.paths.token,
        headers: { 'content-type': FORM },
        makeBody: () =>
          `${tokenBody}&${new URLSearchParams({ client_id: t.pkjwt.clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion(t.pkjwt) }).toString()}`,
      }
    case 'introspect':
      return {
        method: 'POST',
        path: t.paths.introspect,
        headers: { 'content-type': FORM, authorization: basicHeader(t.basic.id, t.basic.secret) },
        body: new URLSearchParams({ token: t.introspected }).toString(),
      }
    case 'protected':
      return t.protected === undefined ? undefined : { method: 'GET', path: t.protected.path, headers: { authorization: `Bearer ${t.protected.token}` } }
    case 'token-exchange':
      return t.exchange === undefined
        ? undefined
        : { method: 'POST', path: t.paths.token, headers: { 'content-type': FORM, authorization: basicHeader(t.exchange.basic.id, t.exchange.basic.secret) }, body: t.exchange.body }
  }
}

/** Sends one scenario request with fetch; throws unless 2xx (sanity check before loading). */
export async function sendOnce(base: string, spec: RequestSpec): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${spec.path}`, {
    method: spec.method,
    headers: spec.headers,
    ...(spec.method === 'POST' ? { body: spec.makeBody?.() ?? spec.body ?? '' } : {}),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${spec.method} ${spec.path}: ${res.status} ${text}`)
  return JSON.parse(text) as Record<string, unknown>
}

/** Obtains an access token; checks it is an RFC 9068 ES256 JWT when `jwt` (throws otherwise). */
export async function obtainToken(base: string, t: Target, params: Record<string, string> = {}, jwt = true): Promise<string> {
  const spec = requestFor('token-basic', { ...t, tokenParams: { ...t.tokenParams, ...params } })
  if (spec === undefined) throw new Error('unreachable')
  const body = await sendOnce(base, spec)
  const token = String(body['access_token'])
  if (jwt) {
    const header = decodeProtectedHeader(token)
    if (header.alg !== 'ES256' || String(header.typ).toLowerCase() !== 'at+jwt') throw new Error(`${base} did not issue an RFC 9068 ES256 token: ${JSON.stringify(header)}`)
  }
  return token
}

/** A target that only knows a Basic client (provisioning). */
const bare = (basic: { id: string; secret: string }): Target => ({
  paths: OUR_PATHS,
  basic,
  pkjwt: { clientId: basic.id, key: createSecretKey(Buffer.alloc(32)), kid: undefined, audience: '' },
  tokenParams: {},
  introspected: '',
})

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return JSON.parse(text) as Record<string, unknown>
}

/** Provisions a tenant on our server (organization, agent, client secret, agent key). */
export async function provisionOurs(base: string, admin: { id: string; secret: string }): Promise<Target & { organizationId: string; agentId: string }> {
  const adminToken = await obtainToken(base, bare(admin), { scope: 'admin:orgs agents:read agents:write tokens:read delegation:write' })
  const slug = `bench-${randomUUID().slice(0, 8)}`
  const org = await call(base, 'POST', '/api/v1/organizations', adminToken, { name: slug, slug })
  const organizationId = String(org['organizationId'])
  const agent = await call(base, 'POST', '/api/v1/agents', adminToken, {
    organizationId,
    name: `${slug}-agent`,
    agentType: 'orchestrator',
    version: '1.0.0',
    capabilities: ['documents:read'],
    owner: slug,
    deploymentEnv: 'production',
    scopes: ['agents:read', 'agents:write', 'tokens:read', 'delegation:write'],
  })
  const agentId = String(agent['agentId'])
  const cred = await call(base, 'POST', `/api/v1/agents/${agentId}/credentials`, adminToken, {})
  const basic = { id: String(cred['clientId']), secret: String(cred['clientSecret']) }
  const tenantToken = await obtainToken(base, bare(basic), { scope: 'agents:read agents:write tokens:read delegation:write' })
  const key = await call(base, 'POST', `/api/v1/agents/${agentId}/keys`, tenantToken, {})
  const privateJwk = key['privateJwk'] as JWK
  const t: Target = {
    paths: OUR_PATHS,
    basic,
    pkjwt: { clientId: agentId, key: createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' }), kid: String(key['kid']), audience: base },
    tokenParams: {},
    introspected: '',
  }
  const token = await obtainToken(base, t)
  const exchange = await provisionExchange(base, adminToken, organizationId, slug, tenantToken)
  return { ...t, introspected: token, protected: { path: `/api/v1/agents/${agentId}`, token }, exchange, organizationId, agentId }
}

/**
 * A second agent (the delegatee) with a client secret, a delegation of `agents:read` from the
 * bench agent to it (`delegatorToken`), and the RFC 8693 exchange it repeats: the same delegation
 * token and actor token on every request, as an agent acting for another one would.
 */
async function provisionExchange(base: string, adminToken: string, organizationId: string, slug: string, delegatorToken: string): Promise<NonNullable<Target['exchange']>> {
  const delegatee = await call(base, 'POST', '/api/v1/agents', adminToken, {
    organizationId,
    name: `${slug}-delegatee`,
    agentType: 'custom',
    version: '1.0.0',
    capabilities: [],
    owner: slug,
    deploymentEnv: 'production',
    scopes: ['agents:read'],
  })
  const delegateeId = String(delegatee['agentId'])
  const cred = await call(base, 'POST', `/api/v1/agents/${delegateeId}/credentials`, adminToken, {})
  const basic = { id: String(cred['clientId']), secret: String(cred['clientSecret']) }
  const delegation = await call(base, 'POST', '/api/v1/oauth2/token/delegate', delegatorToken, { delegateeAgentId: delegateeId, scopes: ['agents:read'], ttlSeconds: 86_400 })
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: String(delegation['delegationToken']),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    actor_token: await obtainToken(base, bare(basic), { scope: 'agents:read' }),
    actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
  }).toString()
  return { basic, body }
}
