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
import type { AuthenticatedClient, OAuthRequest, SecretAuthMethod } from '../context.js'
import { sha256Hex } from '../internal/crypto.js'
import { constantTimeEqualHex } from '../internal/constant-time.js'
import type { Agent, Credential, Organization } from '../model.js'
import { livenessTicket, lookupOnce, recallLookup, rememberLookup } from '../tokens/liveness-memo.js'
import { auditAuthFailure } from './audit-auth-failure.js'
import { challenge, isBasic, parseBasic } from './http-auth.js'
import { authenticatePrivateKeyJwt, isAssertionRequest } from './private-key-jwt.js'
import { isClientIdShaped, param } from './params.js'


/** What a successful secret authentication read (remembered in the liveness memo). */
interface ClientRecords {
  credential: Credential
  agent: Agent
  org: Organization
}

/** What the lookups of one secret authentication found. */
interface LookedUp {
  credential: Credential | null
  agent: Agent | null
  org: Organization | null
}

/** Digest compared when the client id is unknown, so both paths cost the same. */
const DUMMY_DIGEST = sha256Hex('sentryagent:no-such-client')

/** `invalid_client` (401) with the Basic challenge (RFC 6749 §5.2). */
export function invalidClient(detail = 'Client authentication failed'): IdpError {
  return new IdpError('INVALID_CLIENT', detail, { headers: { 'www-authenticate': challenge('Basic') } })
}

/**
 * `true` when the request presents client credentials of any method (Basic, `client_secret`, or a
 * client assertion); a bare `client_id` is not a credential.
 */
export function hasClientCredentials(req: OAuthRequest): boolean {
  return (
    isBasic(req.authorization) ||
    req.params['client_secret'] !== undefined ||
    isAssertionRequest(req)
  )
}

/**
 * Authenticates the client of an OAuth request.
 * @throws {IdpError} INVALID_REQUEST when two methods are used; INVALID_CLIENT on any failure.
 */
export async function authenticateClient(deps: Deps, req: OAuthRequest): Promise<AuthenticatedClient> {
  const bodyId = param(req, 'client_id')
  const bodySecret = param(req, 'client_secret')
  const basic = isBasic(req.authorization) ? req.authorization : undefined
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
    // Checked before any lookup: a NUL or a megabyte-long id never reaches storage.
    if (parsed === null || !isClientIdShaped(parsed.clientId)) throw invalidClient('Malformed Basic credentials')
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

  // A client that authenticated with this very secret less than the memo's TTL ago, with nothing
  // changed since, skips the three lookups. A wrong secret never matches the memo key, so it always
  // pays the same lookups as an unknown id (no timing hint that the id exists).
  const digest = sha256Hex(secret)
  const memoKey = `client:${clientId}\u0000${digest}`
  const ticket = livenessTicket(deps)
  const known = recallLookup<ClientRecords>(deps, memoKey)
  // Concurrent requests with the same id and secret share one set of lookups.
  const { credential, agent, org } =
    known ??
    (await lookupOnce(deps, memoKey, async (): Promise<LookedUp> => {
      const found = await deps.storage.credentials.findByClientId(clientId)
      if (found === null || !constantTimeEqualHex(digest, found.secretHash)) return { credential: found, agent: null, org: null }
      const [a, o] = await Promise.all([
        deps.storage.agents.find(found.organizationId, found.agentId),
        deps.storage.organizations.find(found.organizationId),
      ])
      return { credential: found, agent: a, org: o }
    }))
  const secretMatches = constantTimeEqualHex(digest, credential?.secretHash ?? DUMMY_DIGEST)
  if (credential === null || !secretMatches) {
    recordFailure(deps, req, credential, clientId, credential === null ? 'unknown_client' : 'bad_secret')
    throw invalidClient()
  }
  const now = deps.clock()
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
  if (reason !== null || agent === null || org === null) {
    recordFailure(deps, req, credential, clientId, reason ?? 'agent_inactive')
    throw invalidClient()
  }
  if (known === undefined) rememberLookup<ClientRecords>(deps, memoKey, ticket, { credential, agent, org })
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
