/**
 * Access-token verification for resource servers: RFC 9068 JWT access tokens of the IdP, checked
 * offline against its JWKS (discovered, fetched once, cached, refetched when a new `kid` appears),
 * with optional RFC 7662 introspection to learn of revocations and suspensions at once.
 *
 * Key rotation: the IdP publishes a new signing key `KEY_ACTIVATION_DELAY_SECONDS` (default 35 s)
 * before signing with it. A verifier refetches the JWKS on an unknown `kid` unless it fetched less
 * than `jwks.cooldownMs` (default 30 s) ago; as long as the cooldown is shorter than the activation
 * delay a rotation never fails a verification.
 *
 * @module
 */
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose'
import { AccessTokenError } from './access-token-error.js'
import { discover, type AuthorizationServerMetadata } from './discovery.js'
import type { ClientCredentials } from './internal/client-auth.js'
import { createTokenManager, type TokenManager } from './token-manager.js'

/** RFC 8693 §4.1 `act`: the party acting, and who it acts for when nested. */
export interface ActorClaim {
  sub: string
  act?: ActorClaim
  [claim: string]: unknown
}

/** The claims of an IdP access token (RFC 9068 §2.2 plus the IdP's own). */
export interface AccessTokenClaims extends JWTPayload {
  iss: string
  sub: string
  aud: string | string[]
  exp: number
  iat: number
  jti: string
  client_id: string
  scope?: string
  agent_id?: string
  organization_id?: string
  act?: ActorClaim
}

/** A verified access token. */
export interface VerifiedAccessToken {
  readonly token: string
  readonly claims: AccessTokenClaims
  /** `sub`: the agent the token speaks for (the delegator of a delegated token). */
  readonly subject: string
  readonly clientId: string
  readonly organizationId: string | undefined
  readonly scopes: readonly string[]
  /** Set on delegated tokens: the delegatee acting for `subject` (nested for re-delegations). */
  readonly act: ActorClaim | undefined
  /** The acting agents of a delegated token, outermost first (`act.sub`, `act.act.sub`, …). */
  readonly actors: readonly string[]
}

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** The IdP's issuer identifier: tokens' `iss`. */
  issuer: string
  /** The audience this resource server accepts (`aud`; the IdP puts its issuer there by default). */
  audience: string | readonly string[]
  /** Where to read discovery from. @default issuer */
  url?: string | undefined
  /** Skip discovery and use this JWKS. */
  jwksUri?: string | undefined
  /** @default ['ES256', 'EdDSA', 'PS256', 'RS256'] */
  algorithms?: readonly string[] | undefined
  /** Tolerated clock skew for `exp`/`iat`/`nbf`. @default 5 */
  clockToleranceSeconds?: number | undefined
  jwks?: {
    /** A JWKS fetched longer ago is refetched. @default 600000 */
    cacheMaxAgeMs?: number
    /** No refetch on an unknown `kid` within this long after a fetch (keep it below the IdP's key activation delay). @default 30000 */
    cooldownMs?: number
    /** @default 5000 */
    timeoutMs?: number
  } | undefined
  /** Credentials (with `tokens:read`) to introspect every token: revocations then count at once. */
  introspection?: ClientCredentials | undefined
  fetch?: typeof fetch | undefined
  clock?: (() => Date) | undefined
}

/** What a single verification requires. */
export interface VerifyOptions {
  /** Every one of these scopes must be granted (else `insufficient_scope`). */
  requiredScopes?: readonly string[] | undefined
}

/** Verifies access tokens; holds the discovery document and the JWKS cache. */
export interface AccessTokenVerifier {
  /**
   * @throws {AccessTokenError} `invalid_token`, `insufficient_scope` or `temporarily_unavailable`.
   */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedAccessToken>
}

const DEFAULT_ALGS = ['ES256', 'EdDSA', 'PS256', 'RS256']

/** jose error codes that mean "this token is not acceptable"; everything else means "cannot check now". */
const TOKEN_ERRORS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
])

function actorsOf(act: ActorClaim | undefined): string[] {
  const out: string[] = []
  for (let a = act; a !== undefined; a = a.act) out.push(a.sub)
  return out
}

function isActorClaim(v: unknown): v is ActorClaim {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return typeof r['sub'] === 'string' && (r['act'] === undefined || isActorClaim(r['act']))
}

/**
 * Creates a verifier for the IdP's access tokens. Create it once per process: it caches the
 * discovery document and the JWKS.
 *
 * @example
 * const verifier = createAccessTokenVerifier({ issuer: 'https://idp.example.com', audience: 'https://idp.example.com' })
 * const { subject, scopes, act } = await verifier.verify(token, { requiredScopes: ['agents:read'] })
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const fetchImpl = options.fetch ?? fetch
  const clock = options.clock ?? (() => new Date())
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience]
  let meta: Promise<AuthorizationServerMetadata> | undefined
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined
  let introspector: TokenManager | undefined
  if (options.introspection !== undefined) introspector = createTokenManager({ url: options.url ?? options.issuer, ...options.introspection, fetch: fetchImpl, clock })

  // Cached once they succeed; a failure is forgotten so that the next verification tries again.
  const metadata = (): Promise<AuthorizationServerMetadata> => {
    if (meta === undefined) {
      const pending = discover(options.url ?? options.issuer, fetchImpl).then((m) => {
        // RFC 8414 §3.3: the metadata must name the issuer we expect.
        if (m.issuer !== options.issuer) throw new TypeError(`discovery names issuer ${m.issuer}, expected ${options.issuer}`)
        return m
      })
      pending.catch(() => (meta = undefined))
      meta = pending
    }
    return meta
  }

  const jwks = () => {
    if (keys === undefined) {
      const pending = (options.jwksUri !== undefined ? Promise.resolve(options.jwksUri) : metadata().then((m) => m.jwks_uri)).then((uri) =>
        createRemoteJWKSet(new URL(uri), {
          cacheMaxAge: options.jwks?.cacheMaxAgeMs ?? 600_000,
          cooldownDuration: options.jwks?.cooldownMs ?? 30_000,
          timeoutDuration: options.jwks?.timeoutMs ?? 5_000,
          [customFetch]: (url, init) => fetchImpl(url, init),
        }),
      )
      pending.catch(() => (keys = undefined))
      keys = pending
    }
    return keys
  }

  return {
    async verify(token, verifyOptions = {}) {
      let payload: JWTPayload
      try {
        const result = await jwtVerify(token, await jwks(), {
          issuer: options.issuer,
          audience,
          typ: 'at+jwt', // RFC 9068 §4: reject ID tokens and other JWTs signed by the same keys
          algorithms: [...(options.algorithms ?? DEFAULT_ALGS)],
          clockTolerance: options.clockToleranceSeconds ?? 5,
          currentDate: clock(),
          requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
        })
        payload = result.payload
      } catch (err) {
        const code = (err as { code?: unknown }).code
        if (typeof code === 'string' && TOKEN_ERRORS.has(code)) {
          throw new AccessTokenError('invalid_token', code === 'ERR_JWT_EXPIRED' ? 'The access token expired' : 'The access token is invalid', { cause: err })
        }
        throw new AccessTokenError('temporarily_unavailable', 'The identity provider’s keys could not be loaded', { cause: err })
      }
      if (typeof payload['client_id'] !== 'string') throw new AccessTokenError('invalid_token', 'The access token has no client_id')
      if (payload['act'] !== undefined && !isActorClaim(payload['act'])) throw new AccessTokenError('invalid_token', 'Malformed act claim')
      const claims = payload as AccessTokenClaims
      const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : []
      const missing = (verifyOptions.requiredScopes ?? []).filter((s) => !scopes.includes(s))
      if (missing.length > 0) {
        throw new AccessTokenError('insufficient_scope', `The access token lacks scope ${missing.join(' ')}`, { requiredScopes: verifyOptions.requiredScopes })
      }
      if (introspector !== undefined) {
        let active: boolean
        try {
          active = (await introspector.introspect(token)).active === true
        } catch (err) {
          // Fail closed: when liveness was asked for and cannot be checked, the token is not accepted.
          throw new AccessTokenError('temporarily_unavailable', 'Token introspection failed', { cause: err })
        }
        if (!active) throw new AccessTokenError('invalid_token', 'The access token was revoked or its agent is inactive')
      }
      return {
        token,
        claims,
        subject: claims.sub,
        clientId: claims.client_id,
        organizationId: claims.organization_id,
        scopes,
        act: claims.act,
        actors: actorsOf(claims.act),
      }
    },
  }
}

/** Options of {@link verifyAccessToken}: a verifier's options (or a verifier) and the required scopes. */
export type VerifyAccessTokenOptions = VerifyOptions & (AccessTokenVerifierOptions | { verifier: AccessTokenVerifier })

/**
 * Verifies one access token. Pass a `verifier` (from {@link createAccessTokenVerifier}) to reuse its
 * caches; with `{ issuer, audience }` a verifier is created for this call (discovery and JWKS are
 * fetched each time — for scripts, not for servers).
 *
 * @throws {AccessTokenError} `invalid_token`, `insufficient_scope` or `temporarily_unavailable`.
 * @example
 * const token = await verifyAccessToken(jwt, { issuer, audience: issuer, requiredScopes: ['agents:read'] })
 */
export function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<VerifiedAccessToken> {
  const verifier = 'verifier' in options ? options.verifier : createAccessTokenVerifier(options)
  return verifier.verify(token, { requiredScopes: options.requiredScopes })
}
