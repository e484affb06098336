/**
 * `POST /oauth2/token` as a grant registry (like oidc-provider's `registerGrantType`): the
 * `grant_type` selects a registered {@link GrantHandler} — core's `client_credentials` and token
 * exchange, and extensions' grants — which decides what to issue. Then, for every grant alike:
 * the `beforeTokenIssue` hooks run, the one `mintAccessToken()` builds the token, and the issuance
 * is audited through group commit; the response is returned only once that event is durable.
 *
 * @module
 */
import type { OAuthRequest, TokenResponse } from '../context.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { GrantApi, GrantRequest, TokenIssue } from '../extensions/extension.js'
import { HookVeto, recordVeto, runHooks } from '../extensions/run-hooks.js'
import { mintAccessToken, type MintInput } from '../tokens/mint-access-token.js'
import { isTokenLive, verifyAccessTokenSignature } from '../tokens/verify-access-token.js'
import { authenticateClient, hasClientCredentials } from './client-auth.js'
import { DECIDED_BY, type MarkedIssue } from './grants/token-exchange.js'
import { narrowScopes } from './narrow-scopes.js'
import { param } from './params.js'

/** What core lends grants. */
export function grantApi(deps: Deps): GrantApi {
  return {
    narrowScopes: (requested, allowed) => narrowScopes(requested, allowed, deps.registry.isScope),
    verifyAccessToken: async (token) => {
      const claims = await verifyAccessTokenSignature(deps, token)
      return claims !== null && (await isTokenLive(deps, claims)) ? claims : null
    },
    storage: deps.storage,
    ephemeral: deps.ephemeral,
    issuer: deps.opts.issuer,
    clock: deps.clock,
  }
}

function bindingOf(issue: MarkedIssue, owner: string): MintInput['binding'] {
  if (issue.binding.kind !== 'extension') return issue.binding
  const decidedBy = issue[DECIDED_BY] ?? owner
  // Core never binds tokens to an extension: such a binding could never be checked.
  if (decidedBy === 'core') throw new IdpError('INTERNAL', 'Core grants cannot issue extension-bound tokens')
  return { kind: 'extension', owner: decidedBy, id: issue.binding.id }
}

/** Hooks, mint, audit (group commit) and the response, for what a grant decided. */
async function issue(deps: Deps, req: OAuthRequest, grantType: string, owner: string, decided: TokenIssue): Promise<TokenResponse> {
  const { subject, audit } = decided
  const scope = decided.scopes.join(' ')
  let notes: Awaited<ReturnType<typeof runHooks>>
  try {
    notes = await runHooks(deps, 'beforeTokenIssue', { grantType, issue: decided, requestId: req.requestId, ip: req.ip })
  } catch (err) {
    if (!(err instanceof HookVeto)) throw err
    return recordVeto(deps, err, {
      organizationId: subject.organizationId,
      actor: audit.actor,
      agentId: audit.agentId ?? subject.agentId,
      ip: req.ip,
      operation: audit.action,
      extra: { clientId: decided.clientId, grantType, scope },
    })
  }
  const { token, claims, expiresIn } = await mintAccessToken(deps, {
    subject,
    clientId: decided.clientId,
    binding: bindingOf(decided, owner),
    scopes: decided.scopes,
    act: decided.act,
    delegationId: decided.delegationId,
    notAfter: decided.notAfter,
    claims: decided.claims,
  })
  // Group commit: the response goes out only after the issuance event is durable.
  await deps.auditBatcher.append({
    organizationId: subject.organizationId,
    action: audit.action,
    actor: audit.actor,
    agentId: audit.agentId ?? subject.agentId,
    ip: req.ip,
    details: {
      ...audit.details,
      jti: claims.jti,
      clientId: decided.clientId,
      grantType,
      scope: claims.scope,
      expiresAt: claims.exp,
      ...(notes === undefined ? {} : { hooks: notes }),
    },
  } as Parameters<Deps['auditBatcher']['append']>[0])
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope: claims.scope,
    ...(decided.issuedTokenType === undefined ? {} : { issued_token_type: decided.issuedTokenType }),
  }
}

/** Handles a token request. @throws {IdpError} with an OAuth mapping on every failure. */
export async function handleTokenRequest(deps: Deps, req: OAuthRequest): Promise<TokenResponse> {
  const grantType = param(req, 'grant_type', true)
  const grant = deps.registry.grants.get(grantType)
  if (grant === undefined) throw new IdpError('UNSUPPORTED_GRANT_TYPE', 'Unsupported grant_type')
  // Presented client credentials are always verified first, whatever the grant.
  const client =
    grant.entry.clientAuthentication === 'required' || hasClientCredentials(req) ? await authenticateClient(deps, req) : null
  const request: GrantRequest = {
    grantType,
    param: (name) => param(req, name),
    requireParam: (name) => param(req, name, true),
    client,
    requestId: req.requestId,
    ip: req.ip,
  }
  const decided = await grant.entry.handle(request, grantApi(deps))
  return issue(deps, req, grantType, grant.owner, decided)
}
