/**
 * `@sentryagent/plugin-federation`: secretless workloads. A CI job, a Kubernetes pod, a SPIFFE
 * workload or an agent of a partner IdP presents the identity token its platform gave it, and
 * receives an access token of the agent a trust policy binds it to — no stored secret.
 *
 * - trust policies per organization (`/oidc/trust-policies`, agents:write + the authority rule);
 * - partner IdPs (`/federation/partners`, admin:orgs) with their own JWKS and organization allow-list;
 * - grants: RFC 7523 jwt-bearer and RFC 8693 token exchange (jwt / id_token / access_token), and
 *   the `POST /oidc/token` wrapper; the issued token carries `act: { sub, iss }` of the workload;
 * - `POST /federation/verify`.
 *
 * @example
 * const federation = createFederationPlugin({ allowedIssuers: ['https://token.actions.githubusercontent.com'] })
 * const idp = createIdp({ …, extensions: [federation.extension] })
 * await app.register(federation.fastify)
 *
 * @module
 */
import { ACCESS_TOKEN_TYPE, IdpError, JWT_TOKEN_TYPE, type ExtensionApi, type IdpExtension } from '@sentryagent/core'
import fp from 'fastify-plugin'
import { ID_TOKEN_TYPE, JWT_BEARER_GRANT } from './constants.js'
import { FEDERATION_ERRORS } from './errors.js'
import { BOOTSTRAP_CLAIM, exchangeForeignToken } from './exchange.js'
import { createSafeFetch } from '@sentryagent/safe-fetch'
import { createKeySource, type KeySource, type Transport } from './keys.js'
import { partnerIsLive } from './model.js'
import { federationRoutes } from './routes.js'
import { createFederationService } from './service.js'
import { federationRepo, federationStorage } from './storage.js'
import type { VerifyOptions } from './verify.js'

export { federationStorage, federationRepo } from './storage.js'
export type { FederationRepository } from './storage.js'
export type { ClaimCondition, Partner, PartnerStatus, PolicyMode, TrustPolicy } from './model.js'
export { globMatch } from './glob.js'
export { conditionsMatch, GITHUB_ISSUER, GITLAB_ISSUER } from './conditions.js'
export { createKeySource, cacheControlMaxAge, KeysUnavailableError } from './keys.js'
export type { KeySource, KeySourceOptions, Transport } from './keys.js'
export { ALLOWED_ALGS, verifyForeignToken, TokenRefused } from './verify.js'
export type { RefusalReason, VerifiedForeignToken } from './verify.js'
export { JWT_BEARER_GRANT, ID_TOKEN_TYPE } from './constants.js'
export { BOOTSTRAP_CLAIM } from './exchange.js'

export interface FederationPluginOptions {
  /**
   * The transport of discovery and JWKS fetches. @default `createSafeFetch()` of
   * `@sentryagent/safe-fetch` (public addresses only, https, no redirects, 256 KiB, 5 s); tests pass
   * one that maps real issuer URLs to local servers.
   */
  transport?: Transport
  /**
   * Accept `http://localhost` / `http://127.0.0.1` issuers and JWKS URLs, and private addresses in
   * the default transport (development and tests only). @default false
   */
  allowInsecureLocalhost?: boolean
  /** When set, trust policies may name only these issuers (or registered partners). */
  allowedIssuers?: readonly string[]
  /** Oldest `iat` accepted. @default 600 */
  maxTokenAgeSeconds?: number
  /** Skew allowed on `exp`/`nbf`/`iat`. @default 60 */
  clockSkewSeconds?: number
  /** How long the last good keys serve while an issuer is unreachable, past their TTL. @default 3600 */
  staleKeysSeconds?: number
  /** Least time between two refetches caused by an unknown `kid`. @default 30 */
  unknownKidCooldownSeconds?: number
}

/** The federation plugin: its core half, its tables and its Fastify half. */
export function createFederationPlugin(options: FederationPluginOptions = {}) {
  let api: ExtensionApi | undefined
  let keySource: KeySource | undefined
  const ready = (): ExtensionApi => {
    if (api === undefined) throw new IdpError('INTERNAL', 'federation plugin not initialised')
    return api
  }
  const keys = (): KeySource => {
    keySource ??= createKeySource({
      transport: options.transport ?? createSafeFetch({ allowPrivate: options.allowInsecureLocalhost === true, maxResponseBytes: 256 * 1024, timeoutMs: 5000 }),
      clock: () => ready().clock(),
      allowInsecureLocalhost: options.allowInsecureLocalhost === true,
      staleIfErrorSeconds: options.staleKeysSeconds ?? 3600,
      unknownKidCooldownSeconds: options.unknownKidCooldownSeconds ?? 30,
    })
    return keySource
  }
  // The key source is created on first use, after init: it reads the IdP clock.
  const lazyKeys: KeySource = {
    keys: (issuer, uri, kid) => keys().keys(issuer, uri, kid),
    probe: (uri) => keys().probe(uri),
    forget: (issuer, uri) => keys().forget(issuer, uri),
  }
  const verifyBase = (): Omit<VerifyOptions, 'repo' | 'clock'> => ({
    keys: lazyKeys,
    ownIssuer: ready().idp.discovery().issuer,
    clockSkewSeconds: options.clockSkewSeconds ?? 60,
    maxTokenAgeSeconds: options.maxTokenAgeSeconds ?? 600,
  })
  const service = createFederationService(ready, {
    keys: lazyKeys,
    allowInsecureLocalhost: options.allowInsecureLocalhost === true,
    allowedIssuers: options.allowedIssuers,
  })

  const extension: IdpExtension = {
    id: 'federation',
    auditActions: [
      'federation.token_exchanged',
      'federation.policy_created',
      'federation.policy_updated',
      'federation.policy_deleted',
      'federation.partner_created',
      'federation.partner_updated',
      'federation.partner_deleted',
    ],
    errorCodes: FEDERATION_ERRORS,
    storage: federationStorage,
    grants: [
      {
        grantType: JWT_BEARER_GRANT,
        clientAuthentication: 'optional',
        handle: (req, grantApi) =>
          exchangeForeignToken({ token: req.requireParam('assertion'), agentId: req.param('agent_id'), scope: req.param('scope'), via: 'jwt-bearer' }, grantApi, verifyBase()),
      },
    ],
    subjectTokenValidators: [
      {
        tokenTypes: [JWT_TOKEN_TYPE, ID_TOKEN_TYPE, ACCESS_TOKEN_TYPE],
        // Every foreign issuer is routed here (this IdP's own tokens go to delegation, which lists
        // its issuer explicitly); untrusted issuers are refused inside, as invalid_grant.
        issuers: (iss) => api !== undefined && iss !== api.idp.discovery().issuer,
        clientAuthentication: 'optional',
        exchange: async (req, grantApi) => ({
          ...(await exchangeForeignToken(
            { token: req.subjectToken, agentId: req.param('agent_id'), scope: req.param('scope'), via: 'token-exchange' },
            grantApi,
            verifyBase(),
          )),
          issuedTokenType: ACCESS_TOKEN_TYPE,
        }),
      },
    ],
    // A federated token lives while its trust policy exists, binds the same agent, and (for a
    // partner's issuer) the partner is active and unexpired.
    async isTokenBindingLive(binding, claims) {
      const repo = federationRepo(ready().storage)
      const policy = await repo.findPolicy(binding.organizationId, binding.id)
      if (policy === null || policy.agentId !== claims.sub) return false
      const partner = await repo.partnerByIssuer(policy.issuer)
      return partner === null || partnerIsLive(partner, ready().clock())
    },
    hooks: {
      // Bootstrap tokens register agents and do nothing else.
      beforeRequest: ({ ctx, method, route }) => {
        const claims = ctx.auth.claims as unknown as Record<string, unknown>
        if (claims[BOOTSTRAP_CLAIM] === true && !(method === 'POST' && route.endsWith('/agents'))) {
          throw new IdpError('INSUFFICIENT_SCOPE', 'A bootstrap token may only register agents (POST /agents)')
        }
      },
    },
    init(a) {
      api = a
    },
  }

  const routes = federationRoutes({
    service,
    api: ready,
    verifyOptions: () => ({ ...verifyBase(), repo: () => federationRepo(ready().storage), clock: () => ready().clock() }),
  })

  return {
    extension,
    storage: federationStorage,
    fastify: fp(async (app) => app.register(routes, { prefix: app.idpBinding.prefix }), {
      name: '@sentryagent/plugin-federation',
      fastify: '5.x',
      dependencies: ['@sentryagent/fastify'],
    }),
  }
}
