/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OIDC Core §9): the agent signs a JWT with
 * one of its registered keys. The client id is the agent id: `iss` = `sub` = agent id, `aud` = the
 * issuer or the token endpoint URL as the only audience (RFC 7523bis), `exp` at most
 * {@link ASSERTION_MAX_LIFETIME_SECONDS} ahead, `iat` (when present) at most
 * {@link IAT_MAX_FUTURE_SECONDS} ahead, and `jti` single-use (replay cache in the ephemeral store until the assertion expires). Only ES256,
 * EdDSA, RS256 and PS256 are accepted, and only with the algorithm the key was registered for, so
 * `alg: none` and HMAC with a public key as secret never verify. Every failure is the same
 * `invalid_client`; failures for a known agent are audited as `auth.failed`.
 *
 * @module
 */
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify, type JWTPayload } from 'jose'
import { AGENT_KEY_ALGS } from '../agent-keys/public-jwk.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { OAuthRequest } from '../context.js'
import type { Agent, AgentKey, Organization } from '../model.js'
import { livenessTicket, lookupOnce, recallLookup, rememberLookup } from '../tokens/liveness-memo.js'
import { isWellFormedText } from '../input-rules.js'
import { auditAuthFailure } from './audit-auth-failure.js'
import { isClientIdShaped, param } from './params.js'

/** RFC 7523 §2.2 `client_assertion_type`. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** Longest accepted assertion lifetime (`exp` − now), in seconds. */
export const ASSERTION_MAX_LIFETIME_SECONDS = 300
/** Tolerated clock difference with the client, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 30
const MAX_JTI_LENGTH = 256

/** How far in the future an assertion's `iat` may be (client clock ahead of ours), in seconds. */
export const IAT_MAX_FUTURE_SECONDS = 60

/**
 * RFC 7523bis: the audience is this server alone — one value (a string, or an array of exactly
 * one), equal to the issuer or the token endpoint. An assertion also addressed to another party
 * could have been replayed from (or to) it.
 */
function isOwnSingleAudience(deps: Deps, aud: string | string[] | undefined): boolean {
  const only = Array.isArray(aud) ? (aud.length === 1 ? aud[0] : undefined) : aud
  return only === deps.opts.issuer || only === `${deps.opts.issuer}/oauth2/token`
}

/** Ephemeral-store key of a used assertion `jti`, per agent (RFC 7523 §3 item 7). */
export const assertionJtiKey = (agentId: string, jti: string) => `jti:${agentId}:${jti}`

/** `true` when the request authenticates with a client assertion. */
export function isAssertionRequest(req: OAuthRequest): boolean {
  return req.params['client_assertion'] !== undefined || req.params['client_assertion_type'] !== undefined
}

class AssertionRejected extends Error {
  constructor(
    readonly reason: string,
    readonly organizationId: string | null = null,
    readonly agentId: string | null = null,
  ) {
    super(reason)
  }
}

function readUnverified(assertion: string): { alg: string; kid: string | undefined; payload: JWTPayload } {
  try {
    const header = decodeProtectedHeader(assertion)
    return { alg: String(header.alg), kid: typeof header.kid === 'string' ? header.kid : undefined, payload: decodeJwt(assertion) }
  } catch {
    throw new AssertionRejected('malformed_assertion')
  }
}

/** Verifies `assertion` with `key`; returns the payload or the reason it failed. */
async function verifyWith(deps: Deps, assertion: string, key: AgentKey, verifier: Verifier, now: Date): Promise<JWTPayload | string> {
  const issuer = deps.opts.issuer
  try {
    const { payload } = await jwtVerify(assertion, verifier, {
      algorithms: [key.alg],
      issuer: key.agentId,
      subject: key.agentId,
      audience: [issuer, `${issuer}/oauth2/token`],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'jti'],
    })
    return payload
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return 'assertion_expired'
    if (err instanceof joseErrors.JWTClaimValidationFailed) return `bad_claim_${err.claim}`
    return 'bad_signature'
  }
}

type Verifier = Awaited<ReturnType<typeof importJWK>>

/** What a successful assertion read: remembered in the liveness memo (per agent, kid and alg). */
interface AssertionRecords {
  organizationId: string
  candidates: readonly { key: AgentKey; verifier: Verifier | null }[]
  agent: Agent
  org: Organization
}

async function verifyAssertion(deps: Deps, req: OAuthRequest): Promise<{ agent: Agent; key: AgentKey }> {
  if (param(req, 'client_assertion_type') !== JWT_BEARER_ASSERTION_TYPE) throw new AssertionRejected('unsupported_assertion_type')
  const assertion = param(req, 'client_assertion')
  if (assertion === undefined) throw new AssertionRejected('missing_assertion')
  const { alg, kid, payload } = readUnverified(assertion)
  const agentId = payload.iss
  if (typeof agentId !== 'string' || agentId === '' || payload.sub !== agentId) throw new AssertionRejected('iss_sub_mismatch')
  // Unverified claims name what is looked up next: refuse what storage cannot hold (NUL, huge).
  if (!isClientIdShaped(agentId) || (kid !== undefined && !isWellFormedText(kid))) throw new AssertionRejected('malformed_assertion')
  const clientId = param(req, 'client_id')
  if (clientId !== undefined && clientId !== agentId) throw new AssertionRejected('client_id_mismatch')
  // An agent that authenticated with this kid and alg less than the memo's TTL ago, with nothing
  // changed since, skips the lookups and the key import; the signature, claims and replay checks
  // below run on every request alike.
  const memoKey = `agent-key:${agentId}\u0000${kid ?? ''}\u0000${alg}`
  const ticket = livenessTicket(deps)
  const known = recallLookup<AssertionRecords>(deps, memoKey)
  // Concurrent requests naming the same agent, kid and alg share one set of lookups and imports.
  const keys =
    known ??
    (await lookupOnce(deps, `${memoKey}\u0000keys`, async () => {
      const owner = await deps.storage.agents.ownerOf(agentId)
      if (owner === null || !(AGENT_KEY_ALGS as readonly string[]).includes(alg)) return { organizationId: owner, candidates: [] }
      // A kid names one key of THIS agent; another agent's kid, or a removed key, finds nothing.
      const found = (
        kid !== undefined ? [await deps.storage.agentKeys.find(owner, agentId, kid)] : await deps.storage.agentKeys.listByAgent(owner, agentId, { activeOnly: true })
      ).filter((k): k is AgentKey => k !== null && k.status === 'active' && k.alg === alg)
      const candidates = await Promise.all(found.map(async (key) => ({ key, verifier: await importJWK({ ...key.publicJwk }, key.alg).catch(() => null) })))
      return { organizationId: owner, candidates }
    }))
  const { organizationId, candidates } = keys
  if (organizationId === null) throw new AssertionRejected('unknown_client')
  const reject = (reason: string) => new AssertionRejected(reason, organizationId, agentId)
  // Checked before any key is touched: `none`, HS256 and the like are never verified at all.
  if (!(AGENT_KEY_ALGS as readonly string[]).includes(alg)) throw reject('alg_not_allowed')
  if (candidates.length === 0) throw reject('unknown_key')

  const now = deps.clock()
  let failure = 'bad_signature'
  for (const { key, verifier } of candidates) {
    if (verifier === null) continue // a stored key that cannot be imported verifies nothing
    const result = await verifyWith(deps, assertion, key, verifier, now)
    if (typeof result === 'string') {
      failure = result
      continue
    }
    const nowSeconds = Math.floor(now.getTime() / 1000)
    const exp = result.exp ?? 0
    if (exp - nowSeconds > ASSERTION_MAX_LIFETIME_SECONDS) throw reject('assertion_lifetime_too_long')
    if (!isOwnSingleAudience(deps, result.aud)) throw reject('bad_claim_aud')
    if (result.iat !== undefined && result.iat - nowSeconds > IAT_MAX_FUTURE_SECONDS) throw reject('iat_in_future')
    const jti = result.jti ?? ''
    if (jti === '' || jti.length > MAX_JTI_LENGTH) throw reject('bad_jti')
    const [agent, org] =
      known === undefined
        ? await lookupOnce(deps, `${memoKey}\u0000agent`, () =>
            Promise.all([deps.storage.agents.find(organizationId, agentId), deps.storage.organizations.find(organizationId)]),
          )
        : [known.agent, known.org]
    if (agent === null || agent.status !== 'active' || org === null || org.status !== 'active') throw reject('agent_inactive')
    // Single use: the first presentation claims the jti until the assertion expires anyway.
    const ttl = Math.max(1, exp - nowSeconds + CLOCK_TOLERANCE_SECONDS)
    if (!(await deps.ephemeral.setIfAbsent(assertionJtiKey(agentId, jti), '1', ttl))) throw reject('assertion_replayed')
    if (known === undefined) rememberLookup<AssertionRecords>(deps, memoKey, ticket, { organizationId, candidates, agent, org })
    return { agent, key }
  }
  throw reject(failure)
}

/**
 * Authenticates a client with a `private_key_jwt` assertion.
 *
 * @example
 * const { agent, key } = await authenticatePrivateKeyJwt(deps, req)
 * @throws {IdpError} INVALID_CLIENT on any failure (bad type, signature, claims, replay, inactive agent).
 */
export async function authenticatePrivateKeyJwt(deps: Deps, req: OAuthRequest): Promise<{ agent: Agent; key: AgentKey }> {
  try {
    return await verifyAssertion(deps, req)
  } catch (err) {
    if (!(err instanceof AssertionRejected)) throw err
    deps.log.info({ event: 'auth.failed', reason: err.reason, requestId: req.requestId }, 'client assertion rejected')
    // Unknown agents have no organization, hence no chain to append to: they are logged only.
    // Known agents are audited without waiting, so unknown and known ids answer alike.
    if (err.organizationId !== null && err.agentId !== null) {
      auditAuthFailure(deps, {
        organizationId: err.organizationId,
        actor: err.agentId,
        agentId: err.agentId,
        ip: req.ip,
        details: { clientId: err.agentId, reason: err.reason, authMethod: 'private_key_jwt' },
      })
    }
    throw new IdpError('INVALID_CLIENT', 'Client authentication failed')
  }
}
