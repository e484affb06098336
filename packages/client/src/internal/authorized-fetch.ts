/**
 * The `fetch` under the typed REST layer: adds the bearer token of the token manager, recovers once
 * from `401 invalid_token` (one forced refresh shared by all concurrent callers), and retries
 * 429/503 answers within the retry policy.
 *
 * @module
 */
import type { TokenManager } from '../token-manager.js'
import { retryDelayMs, sleep, type ResolvedRetryOptions } from './retry.js'

/** RFC 6750 §3: the resource server says the token itself is bad (expired, revoked, malformed). */
export function isInvalidTokenChallenge(res: Response): boolean {
  return res.status === 401 && /\berror\s*=\s*"?invalid_token"?/i.test(res.headers.get('www-authenticate') ?? '')
}

/** Options of {@link createAuthorizedFetch}. */
export interface AuthorizedFetchOptions {
  tokens: TokenManager
  retry: ResolvedRetryOptions
  fetch: typeof fetch
  clock: () => Date
  userAgent?: string | undefined
}

/** A `fetch(Request)` that authenticates every request with the manager's current token. */
export function createAuthorizedFetch(options: AuthorizedFetchOptions): (request: Request) => Promise<Response> {
  const { tokens, retry, clock } = options
  const send = (request: Request, token: string): Promise<Response> => {
    const attempt = request.clone()
    attempt.headers.set('authorization', `Bearer ${token}`)
    if (options.userAgent !== undefined) attempt.headers.set('user-agent', options.userAgent)
    return options.fetch(attempt)
  }
  return async (request) => {
    let token = await tokens.getToken()
    let recovered = false
    for (let attempt = 0; ; ) {
      const res = await send(request, token)
      if (!recovered && isInvalidTokenChallenge(res)) {
        // One forced refresh per call: a second rejection is the answer (e.g. a suspended agent).
        recovered = true
        await res.body?.cancel()
        token = await tokens.recoverFrom(token)
        continue
      }
      const delay = retryDelayMs(res, attempt, retry, clock())
      if (delay === undefined) return res
      await res.body?.cancel()
      await sleep(delay)
      attempt++
    }
  }
}
