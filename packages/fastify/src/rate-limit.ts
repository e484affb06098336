/**
 * Rate limiting of the binding (SPEC §1, §6, §10), on the core `RateLimiter` port: in process by
 * default, shared by every server process when the host passes a Redis limiter factory.
 *
 * - Authenticated REST calls: `rest` points per window per client (default 100 / 60 s).
 * - Token endpoint: `tokenPerClient` per client id and `tokenPerIp` per client address.
 * - Failed client authentication at any OAuth endpoint: after `authFailures` failures for one
 *   client id inside the window, that client id is slowed down — every request for it answers 429
 *   until the window ends, even with the right secret (brute-force protection).
 *
 * Every limited response carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
 * (IETF draft-ietf-httpapi-ratelimit-headers) and a 429 also `Retry-After`. REST 429s are
 * problem+json `RATE_LIMITED`; OAuth 429s are `{ "error": "invalid_request" }` JSON: RFC 6749 §5.2
 * defines no rate-limit error, and `slow_down` (RFC 8628 §3.5) belongs to device-code polling.
 *
 * @module
 */
import {
  IdpError,
  createMemoryRateLimiter,
  parseBasic,
  rateLimitPolicyProblems,
  toIdpError,
  type RateLimiter,
  type RateLimiterFactory,
  type RateLimitResult,
} from '@sentryagent/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** One limit: points per window. */
export interface LimitSpec {
  points: number
  durationSeconds: number
}

/** The `rateLimit` option of the plugin. */
export interface RateLimitOptions {
  /** Builds a limiter per policy. @default createMemoryRateLimiter (per process) */
  createLimiter?: RateLimiterFactory
  /** Authenticated REST calls per client. `false` disables. @default { points: 100, durationSeconds: 60 } */
  rest?: LimitSpec | false
  /** Token requests per client id. @default { points: 600, durationSeconds: 60 } */
  tokenPerClient?: LimitSpec | false
  /** Token requests per client IP address. @default { points: 1200, durationSeconds: 60 } */
  tokenPerIp?: LimitSpec | false
  /** Failed client authentications per client id before it is slowed down. @default { points: 10, durationSeconds: 300 } */
  authFailures?: LimitSpec | false
  /** What a networked limiter does when its backend is down (see `RateLimitPolicy.failMode`). @default 'insurance' */
  failMode?: 'insurance' | 'open' | 'closed'
}

/** Default limits (SPEC §10: 100 requests / 60 s per client for REST). */
export const RATE_LIMIT_DEFAULTS = {
  rest: { points: 100, durationSeconds: 60 },
  tokenPerClient: { points: 600, durationSeconds: 60 },
  tokenPerIp: { points: 1200, durationSeconds: 60 },
  authFailures: { points: 10, durationSeconds: 300 },
} as const

type PolicyKey = keyof typeof RATE_LIMIT_DEFAULTS
const POLICY_NAMES: Record<PolicyKey, string> = { rest: 'rest', tokenPerClient: 'token-client', tokenPerIp: 'token-ip', authFailures: 'auth-failures' }

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

/** The client id an OAuth request names (Basic auth or `client_id`), without authenticating it. */
export function claimedClientId(req: FastifyRequest): string | undefined {
  const basic = parseBasic(req.headers.authorization)
  if (basic !== null) return basic.clientId
  const body = req.body
  if (typeof body === 'object' && body !== null && 'client_id' in body && typeof body.client_id === 'string' && body.client_id !== '') {
    return body.client_id
  }
  return undefined
}

/**
 * Registers the enforcement hooks on `app` (call after the bearer hook, so `req.auth` is set).
 * `onLimited(policy)` is called for every 429 (metrics).
 *
 * @example
 * registerRateLimits(app, createRateLimiters({ createLimiter: redisLimits.create }), (p) => metrics.rateLimited(p))
 */
export function registerRateLimits(app: FastifyInstance, limiters: RateLimiters, onLimited: (policy: string) => void = () => undefined): void {
  const check = async (reply: FastifyReply, limiter: RateLimiter | undefined, key: string, detail: string, setHeaders: boolean) => {
    if (limiter === undefined) return
    const r = await limiter.consume(key)
    if (setHeaders) void reply.headers(headersOf(r))
    if (!r.allowed) {
      onLimited(limiter.policy.name)
      throw limited(r, detail)
    }
  }

  // REST: after the bearer hook authenticated the caller (unauthenticated calls are already 401).
  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config
    if (req.is404 || config.public === true || config.oauth === true || req.auth === null) return
    await check(reply, limiters.rest, `client:${req.auth.clientId}`, 'Rate limit exceeded for this client', true)
  })

  // OAuth endpoints: the body is parsed by now, so the claimed client id is known.
  app.addHook('preHandler', async (req, reply) => {
    const config = req.routeOptions.config
    if (config.oauth !== true) return
    const clientId = claimedClientId(req)
    if (clientId !== undefined && limiters.authFailures !== undefined) {
      const failures = await limiters.authFailures.peek(`client:${clientId}`)
      if (!failures.allowed) {
        onLimited(limiters.authFailures.policy.name)
        throw limited(failures, 'Too many failed authentications for this client; slow down')
      }
    }
    if (config.rateLimit !== 'token') return
    await check(reply, limiters.tokenPerIp, `ip:${req.ip}`, 'Rate limit exceeded for this address', true)
    if (clientId !== undefined) await check(reply, limiters.tokenPerClient, `client:${clientId}`, 'Rate limit exceeded for this client', true)
  })

  // Count failed client authentications per claimed client id (unknown ids included, so probing
  // for ids is slowed down as well).
  app.addHook('onError', async (req, _reply, err) => {
    if (req.routeOptions.config.oauth !== true || limiters.authFailures === undefined) return
    if (toIdpError(err).code !== 'INVALID_CLIENT') return
    const clientId = claimedClientId(req)
    if (clientId === undefined) return
    try {
      await limiters.authFailures.consume(`client:${clientId}`)
    } catch (e) {
      req.log.warn({ err: e }, 'could not count a failed authentication')
    }
  })
}
