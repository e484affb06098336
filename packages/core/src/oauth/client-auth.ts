/**
 * Client authentication at the token, introspection and revocation endpoints:
 * `client_secret_basic` (RFC 6749 §2.3.1, form-urlencoded id and secret) and `client_secret_post`.
 * Exactly one method per request. Every failure is the same `invalid_client` (no hint whether the
 * id exists, in the body or in the timing) and is audited as `auth.failed` in the client's
 * organization when the id is known.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { OAuthRequest } from '../idp.js'
import { sha256Hex } from '../internal/crypto.js'
import { constantTimeEqualHex } from '../internal/constant-time.js'
import type { Agent, AgentKey, Credential } from '../model.js'
import { auditAuthFailure } from './audit-auth-failure.js'
import { authenticatePrivateKeyJwt, isAssertionRequest } from './private-key-jwt.js'
import { isClientIdShaped, param } from './params.js'

/** Methods authenticating with a client secret. */
export type SecretAuthMethod = 'client_secret_basic' | 'client_secret_post'
export type ClientAuthMethod = SecretAuthMethod | 'private_key_jwt'

/**
 * An authenticated client and its live agent. A secret authenticates a credential (`clientId` =
 * the credential's client id); `private_key_jwt` authenticates the agent itself with one of its
 * registered keys (`clientId` = the agent id, no credential).
 */
export type AuthenticatedClient =
  | { method: SecretAuthMethod; clientId: string; agent: Agent; credential: Credential; key: null }
  | { method: 'private_key_jwt'; clientId: string; agent: Agent; credential: null; key: AgentKey }

/** Digest compared when the client id is unknown, so both paths cost the same. */
const DUMMY_DIGEST = sha256Hex('sentryagent:no-such-client')

const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))

function parseBasic(header: string): { clientId: string; secret: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (m?.[1] === undefined) return null
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 1) return null
  try {
    const clientId = formDecode(decoded.slice(0, i))
    // Checked before any lookup: a NUL or a megabyte-long id never reaches storage.
    return isClientIdShaped(clientId) ? { clientId, secret: formDecode(decoded.slice(i + 1)) } : null
  } catch {
    return null
  }
}

function invalidClient(detail = 'Client authentication failed'): IdpError {
  return new IdpError('INVALID_CLIENT', detail, { headers: { 'www-authenticate': 'Basic realm="agentidp", charset="UTF-8"' } })
}

/**
 * Authenticates the client of an OAuth request.
 * @throws {IdpError} INVALID_REQUEST when two methods are used; INVALID_CLIENT on any failure.
 */
export async function authenticateClient(deps: Deps, req: OAuthRequest): Promise<AuthenticatedClient> {
  const bodyId = param(req, 'client_id')
  const bodySecret = param(req, 'client_secret')
  const basic = req.authorization !== undefined && /^Basic\s/i.test(req.authorization) ? req.authorization : undefined
  if (basic !== undefined && bodySecret !== undefined) {
    throw new IdpError('INVALID_REQUEST', 'Use exactly one client authentication method')
  }
  if (isAssertionRequest(req)) {
    if (basic !== undefined || bodySecret !== undefined) {
      throw new IdpError('INVALID_REQUEST', 'Use exactly one client authentication method')
    }
    const { agent, key } = await authenticatePrivateKeyJwt(deps, req)
    return { method: 'private_key_jwt', clientId: agent.agentId, agent, credential: null, key }
  }
  let clientId: string
  let secret: string
  let method: SecretAuthMethod
  if (basic !== undefined) {
    const parsed = parseBasic(basic)
    if (parsed === null) throw invalidClient('Malformed Basic credentials')
    if (bodyId !== undefined && bodyId !== parsed.clientId) throw new IdpError('INVALID_REQUEST', 'client_id mismatch')
    ;({ clientId, secret } = parsed)
    method = 'client_secret_basic'
  } else if (bodyId !== undefined && bodySecret !== undefined) {
    clientId = bodyId
    secret = bodySecret
    method = 'client_secret_post'
  } else {
    throw invalidClient('Client authentication is required')
  }

  const credential = await deps.storage.credentials.findByClientId(clientId)
  const secretMatches = constantTimeEqualHex(sha256Hex(secret), credential?.secretHash ?? DUMMY_DIGEST)
  if (credential === null || !secretMatches) {
    recordFailure(deps, req, credential, clientId, credential === null ? 'unknown_client' : 'bad_secret')
    throw invalidClient()
  }
  const now = deps.clock()
  const [agent, org] = await Promise.all([
    deps.storage.agents.find(credential.organizationId, credential.agentId),
    deps.storage.organizations.find(credential.organizationId),
  ])
  const reason =
    credential.status !== 'active'
      ? 'credential_revoked'
      : credential.expiresAt !== null && credential.expiresAt <= now
        ? 'credential_expired'
        : agent === null || agent.status !== 'active'
          ? 'agent_inactive'
          : org === null || org.status !== 'active'
            ? 'organization_inactive'
            : null
  if (reason !== null || agent === null) {
    recordFailure(deps, req, credential, clientId, reason ?? 'agent_inactive')
    throw invalidClient()
  }
  return { credential, agent, method, clientId, key: null }
}

function recordFailure(deps: Deps, req: OAuthRequest, credential: Credential | null, clientId: string, reason: string): void {
  deps.log.info({ event: 'auth.failed', reason, requestId: req.requestId }, 'client authentication failed')
  // Unknown client ids have no organization, hence no chain to append to: they are logged only.
  // Known ones are audited without waiting, so both answer alike (see audit-auth-failure.ts).
  if (credential === null) return
  auditAuthFailure(deps, {
    organizationId: credential.organizationId,
    actor: credential.agentId,
    agentId: credential.agentId,
    ip: req.ip,
    details: { clientId, reason },
  })
}
