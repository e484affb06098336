/**
 * The exchange of a verified foreign token for an agent access token: find the trust policy the
 * token satisfies (issuer, audience, conditions, optionally the requested agent), consume the
 * token's `jti` (single use, in the ephemeral store shared by every process), and decide the
 * issuance — the bound agent, scopes ⊆ policy ∩ agent, `act` naming the foreign subject.
 *
 * Shared by the jwt-bearer grant (RFC 7523), token exchange (RFC 8693) and `POST /oidc/token`.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { IdpError, type GrantApi, type IssuedTokenDetails, type TokenIssue } from '@sentryagent/core'
import { conditionsMatch } from './conditions.js'
import type { TrustPolicy } from './model.js'
import { federationRepo } from './storage.js'
import { audienceMatches, TokenRefused, verifyForeignToken, type VerifyOptions } from './verify.js'

declare module '@sentryagent/core' {
  interface AuditDetails {
    'federation.token_exchanged': IssuedTokenDetails & {
      issuer: string
      subject: string
      policyId: string
      mode: string
      /** The grant or validator that carried the foreign token. */
      via: string
    }
  }
}

/** Extra claim of tokens issued in bootstrap mode; the `beforeRequest` hook confines them to `POST /agents`. */
export const BOOTSTRAP_CLAIM = 'federation_bootstrap'

export interface ExchangeInput {
  token: string
  /** `agent_id` the caller asked for; required when several agents' policies match. */
  agentId: string | undefined
  scope: string | undefined
  via: string
}

/** Verifies and exchanges; every refusal of the token is `invalid_grant` (never a 5xx). */
export async function exchangeForeignToken(input: ExchangeInput, api: GrantApi, verify: Omit<VerifyOptions, 'repo' | 'clock'>): Promise<TokenIssue> {
  const repo = () => federationRepo(api.storage)
  let verified
  try {
    verified = await verifyForeignToken(input.token, { ...verify, repo, clock: api.clock })
  } catch (err) {
    if (err instanceof TokenRefused) throw new IdpError('INVALID_GRANT', `The token was refused: ${err.reason}`)
    throw err
  }
  const ownAudiences = [api.issuer, `${api.issuer}/oauth2/token`, `${api.issuer}/api/v1/token`]
  const candidates = (await repo().policiesByIssuer(verified.issuer)).filter(
    (p) =>
      (input.agentId === undefined || p.agentId === input.agentId) &&
      audienceMatches(verified.claims.aud, p.audience === null ? ownAudiences : [p.audience]) &&
      conditionsMatch(p.conditions, verified.claims),
  )
  if (candidates.length === 0) throw new IdpError('INVALID_GRANT', 'No trust policy matches the token')
  const agents = new Set(candidates.map((p) => `${p.organizationId}/${p.agentId}`))
  if (agents.size > 1) throw new IdpError('INVALID_GRANT', 'Trust policies of several agents match the token; name one with agent_id')
  const policy = candidates[0] as TrustPolicy

  const agent = await api.storage.agents.find(policy.organizationId, policy.agentId)
  if (agent === null || agent.status !== 'active') throw new IdpError('INVALID_GRANT', 'The agent of the trust policy is not active')
  // Scopes the agent no longer holds are never granted, whatever the policy says.
  const allowed = (policy.mode === 'bootstrap' ? ['agents:write'] : policy.scopes).filter((s) => agent.scopes.includes(s))
  const scopes = api.narrowScopes(input.scope, allowed)
  if (scopes.length === 0) throw new IdpError('INVALID_SCOPE', 'The trust policy grants no scope the agent holds')

  // Single use: the jti (or the token's hash) is consumed across processes until the token expires.
  const exp = typeof verified.claims.exp === 'number' ? verified.claims.exp : 0
  const ttl = Math.max(1, exp - Math.floor(api.clock().getTime() / 1000) + verify.clockSkewSeconds)
  const id = typeof verified.claims.jti === 'string' && verified.claims.jti !== '' ? verified.claims.jti : createHash('sha256').update(input.token).digest('base64url')
  const key = `federation:jti:${createHash('sha256').update(`${verified.issuer}\u0000${id}`).digest('base64url')}`
  if (!(await api.ephemeral.setIfAbsent(key, '1', ttl))) throw new IdpError('INVALID_GRANT', 'The token was already used')

  const foreignAct = verified.claims['act']
  const act = {
    sub: verified.subject,
    iss: verified.issuer,
    ...(typeof foreignAct === 'object' && foreignAct !== null ? { act: foreignAct } : {}),
  }
  return {
    subject: agent,
    clientId: `federation:${policy.policyId}`,
    binding: { kind: 'extension', id: policy.policyId },
    scopes,
    act,
    claims: { federation_policy_id: policy.policyId, ...(policy.mode === 'bootstrap' ? { [BOOTSTRAP_CLAIM]: true } : {}) },
    audit: {
      action: 'federation.token_exchanged',
      actor: agent.agentId,
      details: { issuer: verified.issuer, subject: verified.subject, policyId: policy.policyId, mode: policy.mode, via: input.via },
    },
  }
}
