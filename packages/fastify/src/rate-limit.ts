/**
 * Rate limiting of the binding (SPEC §1, §6, §10), on the core `RateLimiter` port: in process by
 * default, shared by every server process when the host passes a Redis limiter factory.
 *
 * - Authenticated REST calls and `GET /agent-info`: `rest` points per window per client
 *   (default 100 / 60 s).
 * - Token endpoint: `tokenPerClient` per client id and `tokenPerIp` per client address;
 *   introspection and revocation: `introspectPerIp` and `revokePerIp`. Per-address limits are
 *   checked before the body is read.
 * - Public reads (marketplace, DID documents, `/compliance/controls`): `publicPerIp`.
 * - Failed client authentication at an OAuth endpoint: after `authFailures` failures for one client
 *   id **from one address** inside the window, that (client id, address) pair is slowed down —
 *   every request for it answers 429 until the window ends, even with the right secret
 *   (brute-force protection). Failures from other addresses never lock a client out: agent ids are
 *   public (DIDs), so counting per client id alone let anyone deny a client its tokens.
 * - Failed Bearer tokens: after `bearerFailuresPerIp` rejected tokens from one address, that
 *   address answers 429 before any signature is checked, until the window ends.
 *
 * Keys hold no request input (see `limit-keys.ts`). Every limited response carries
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (IETF
 * draft-ietf-httpapi-ratelimit-headers) and a 429 also `Retry-After`. REST 429s are problem+json
 * `RATE_LIMITED`; OAuth 429s are `{ "error": "invalid_request" }` JSON: RFC 6749 §5.2 defines no
 * rate-limit error, and `slow_down` (RFC 8628 §3.5) belongs to device-code polling.
 *
 * @module
 */
import {
  IdpError,
  createMemoryRateLimiter,
  rateLimitPolicyProblems,
  toIdpError,
  type RateLimiter,
  type RateLimiterFactory,
  type RateLimitResult,
} from '@sentryagent/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { bearerToken } from './bearer-hook.js'
import { claimedClientId, limitKey } from './limit-keys.js'

/** One limit: points per window. */
export interface LimitSpec {
  points: number
  durationSeconds: number
}

/** The `rateLimit` option of the plugin. Every limit is `{ points, durationSeconds }` or `false` (disabled). */
export interface RateLimitOptions {
  /** Builds a limiter per policy. @default createMemoryRateLimiter (per process) */
  createLimiter?: RateLimiterFactory
  /** Authenticated REST calls (and `/agent-info`) per client. @default { points: 100, durationSeconds: 60 } */
  rest?: LimitSpec | false
  /** Token requests per client id. @default { points: 600, durationSeconds: 60 } */
  tokenPerClient?: LimitSpec | false
  /** Token requests per client IP address. @default { points: 1200, durationSeconds: 60 } */
  tokenPerIp?: LimitSpec | false
  /** Introspection requests per client IP address. @default { points: 3000, durationSeconds: 60 } */
  introspectPerIp?: LimitSpec | false
  /** Revocation requests per client IP address. @default { points: 600, durationSeconds: 60 } */
  revokePerIp?: LimitSpec | false
  /** Public reads (marketplace, DID documents, compliance controls) per IP address. @default { points: 120, durationSeconds: 60 } */
  publicPerIp?: LimitSpec | false
  /** Rejected Bearer tokens per IP address before that address is slowed down. @default { points: 100, durationSeconds: 60 } */
  bearerFailuresPerIp?: LimitSpec | false
  /** Failed client authentications per (client id, IP address) before that pair is slowed down. @default { points: 10, durationSeconds: 300 } */
  authFailures?: LimitSpec | false
  /** What a networked limiter does when its backend is down (see `RateLimitPolicy.failMode`). @default 'insurance' */
  failMode?: 'insurance' | 'open' | 'closed'
}

/** Default limits (SPEC §10: 100 requests / 60 s per client for REST). */
export const RATE_LIMIT_DEFAULTS = {
  rest: { points: 100, durationSeconds: 60 },
  tokenPerClient: { points: 600, durationSeconds: 60 },
  tokenPerIp: { points: 1200, durationSeconds: 60 },
  introspectPerIp: { points: 3000, durationSeconds: 60 },
  revokePerIp: { points: 600, durationSeconds: 60 },
  publicPerIp: { points: 120, durationSeconds: 60 },
  bearerFailuresPerIp: { points: 100, durationSeconds: 60 },
  authFailures: { points: 10, durationSeconds: 300 },
} as const

type PolicyKey = keyof typeof RATE_LIMIT_DEFAULTS
const POLICY_NAMES: Record<PolicyKey, string> = {
  rest: 'rest',
  tokenPerClient: 'token-client',
  tokenPerIp: 'token-ip',
  introspectPerIp: 'introspect-ip',
  revokePerIp: 'revoke-ip',
  publicPerIp: 'public-ip',
  bearerFailuresPerIp: 'bearer-failures',
  authFailures: 'auth-failures',
}

/** Limiters built from {@link RateLimitOptions}; `undefined` where disabled. */
export type RateLimiters = Partial<Record<PolicyKey, RateLimiter>>

/**
 * Validates the option and builds the limiters.
 * @throws {IdpError} CONFIG_INVALID listing every problem.
 */
export function createRateLimiters(options: RateLimitOptions): RateLimiters {
  const create = options.createLimiter ?? createMemoryRateLimiter
  const problems: string[] = []
  const specs: [PolicyKey, LimitSpec][] = []
  for (const key of Object.keys(RATE_LIMIT_DEFAULTS) as PolicyKey[]) {
    const spec = options[key] ?? RATE_LIMIT_DEFAULTS[key]
    if (spec === false) continue
    problems.push(...rateLimitPolicyProblems({ name: POLICY_NAMES[key], ...spec }))
    specs.push([key, spec])
  }
  if (options.failMode !== undefined && !['insurance', 'open', 'closed'].includes(options.failMode)) {
    problems.push('rateLimit.failMode must be insurance, open or closed')
  }
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const limiters: RateLimiters = {}
  for (const [key, spec] of specs) {
    limiters[key] = create({ name: POLICY_NAMES[key], points: spec.points, durationSeconds: spec.durationSeconds, failMode: options.failMode ?? 'insurance' })
  }
  return limiters
}

function headersOf(r: RateLimitResult): Record<string, string> {
  return { 'ratelimit-limit': String(r.limit), 'ratelimit-remaining': String(r.remaining), 'ratelimit-reset': String(r.resetSeconds) }
}

function limited(r: RateLimitResult, detail: string): IdpError {
  return new IdpError('RATE_LIMITED', detail, { retryAfterSeconds: r.retryAfterSeconds, headers: headersOf(r) })
}

/**
 * Addresses over the Bearer-failure limit, remembered in process until their window ends, so that
 * a blocked address is refused without a signature check and without a round trip to the limiter's
 * backend on every request. Bounded: the oldest entry goes when `max` is reached.
 */
function createBlockMemo(nowMs: () => number, max = 10_000) {
  const blocked = new Map<string, { untilMs: number; limit: number }>()
  return {
    get size() {
      return blocked.size
    },
    get(key: string): RateLimitResult | undefined {
      const entry = blocked.get(key)
      if (entry === undefined) return undefined
      const leftMs = entry.untilMs - nowMs()
      if (leftMs <= 0) {
        blocked.delete(key)
        return undefined
      }
      const seconds = Math.ceil(leftMs / 1000)
      return { allowed: false, limit: entry.limit, remaining: 0, resetSeconds: seconds, retryAfterSeconds: seconds }
    },
    set(key: string, r: RateLimitResult): void {
      if (blocked.size >= max) {
        const oldest = blocked.keys().next()
        if (oldest.done !== true) blocked.delete(oldest.value)
      }
      blocked.set(key, { untilMs: nowMs() + Math.max(1, r.resetSeconds) * 1000, limit: r.limit })
    },
  }
}

const PER_IP: Partial<Record<string, { policy: PolicyKey; detail: string }>> = {
  token: { policy: 'tokenPerIp', detail: 'Rate limit exceeded for this address' },
  introspect: { policy: 'introspectPerIp', detail: 'Rate limit exceeded for this address' },
  revoke: { policy: 'revokePerIp', detail: 'Rate limit exceeded for this address' },
  public: { policy: 'publicPerIp', detail: 'Rate limit exceeded for this address' },
}

/** `true` when `req` presented a Bearer token (valid or not). */
const presentsBearer = (req: FastifyRequest) => {
  const token = bearerToken(req.headers.authorization)
  return token !== undefined
}

/**
 * Registers the enforcement hooks on `app`. Call it **before** the bearer hook is added: the
 * Bearer-failure gate must run before a token's signature is checked (the per-client REST limit
 * runs later, in `preParsing`, once the bearer hook has set `req.auth`). `onLimited(policy)` is
 * called for every 429 (metrics).
 *
 * @example
 * registerRateLimits(app, createRateLimiters({ createLimiter: redisLimits.create }), (p) => metrics.rateLimited(p))
 * app.addHook('onRequest', createBearerHook(idp))
 */
export function registerRateLimits(app: FastifyInstance, limiters: RateLimiters, onLimited: (policy: string) => void = () => undefined): void {
  const check = async (reply: FastifyReply, limiter: RateLimiter | undefined, key: string, detail: string) => {
    if (limiter === undefined) return
    const r = await limiter.consume(key)
    void reply.headers(headersOf(r))
    if (!r.allowed) {
      onLimited(limiter.policy.name)
      throw limited(r, detail)
    }
  }
  const bearerBlocks = createBlockMemo(() => app.idp.options.clock().getTime())

  // Before authentication and before the body is read: per-address limits, and the gate that
  // spares the signature check for an address that keeps presenting bad tokens.
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return
    const config = req.routeOptions.config
    if (bearerBlocks.size > 0 && config.public !== true && limiters.bearerFailuresPerIp !== undefined && presentsBearer(req)) {
      const blocked = bearerBlocks.get(limitKey('ip', req.ip))
      if (blocked !== undefined) {
        onLimited(limiters.bearerFailuresPerIp.policy.name)
        throw limited(blocked, 'Too many rejected access tokens from this address; slow down')
      }
    }
    const perIp = config.rateLimit === undefined ? undefined : PER_IP[config.rateLimit]
    if (perIp !== undefined) await check(reply, limiters[perIp.policy], limitKey('ip', req.ip), perIp.detail)
  })

  // REST (and /agent-info): after the bearer hook authenticated the caller (unauthenticated calls
  // are already 401), before the body is read.
  app.addHook('preParsing', async (req, reply, payload) => {
    if (!req.is404 && req.routeOptions.config.public !== true && req.auth !== null) {
      await check(reply, limiters.rest, limitKey('client', req.auth.clientId), 'Rate limit exceeded for this client')
    }
    return payload
  })

  // OAuth endpoints: the body is parsed (and the claimed client id validated) by now.
  app.addHook('preHandler', async (req, reply) => {
    const config = req.routeOptions.config
    if (config.oauth !== true || config.public !== true) return
    const clientId = claimedClientId(req)
    if (clientId === undefined) return
    if (limiters.authFailures !== undefined) {
      const failures = await limiters.authFailures.peek(limitKey('client-ip', clientId, req.ip))
      if (!failures.allowed) {
        onLimited(limiters.authFailures.policy.name)
        throw limited(failures, 'Too many failed authentications for this client from this address; slow down')
      }
    }
    if (config.rateLimit === 'token') await check(reply, limiters.tokenPerClient, limitKey('client', clientId), 'Rate limit exceeded for this client')
  })

  // Count failures: client authentication per (claimed client id, address) — unknown ids included,
  // so that probing for ids is slowed down as well — and rejected Bearer tokens per address.
  app.addHook('onError', async (req, _reply, err) => {
    const e = toIdpError(err)
    const config = req.routeOptions.config
    let limiter: RateLimiter | undefined
    let key: string | undefined
    if (e.code === 'INVALID_CLIENT' && config.oauth === true && config.public === true) {
      let clientId: string | undefined
      try {
        clientId = claimedClientId(req)
      } catch {
        return // a malformed id was refused before any authentication
      }
      if (clientId === undefined) return
      limiter = limiters.authFailures
      key = limitKey('client-ip', clientId, req.ip)
    } else if (e.code === 'INVALID_TOKEN' && config.public !== true && presentsBearer(req)) {
      limiter = limiters.bearerFailuresPerIp
      key = limitKey('ip', req.ip)
    }
    if (limiter === undefined || key === undefined) return
    try {
      const r = await limiter.consume(key)
      // The address is refused from its `points`-th failure on, like a client id (see the preHandler).
      if (r.remaining === 0 && limiter === limiters.bearerFailuresPerIp) bearerBlocks.set(key, r)
    } catch (failure) {
      req.log.warn({ err: failure, policy: limiter.policy.name }, 'could not count a failed authentication')
    }
  })
}
