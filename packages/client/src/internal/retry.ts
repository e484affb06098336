/**
 * Bounded retries on `429 Too Many Requests` and `503 Service Unavailable`, honouring
 * `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). The IdP guarantees that a failed
 * request changes no state, so a retried request — even a POST — cannot apply twice.
 *
 * @module
 */

/** Retry policy of the SDK's HTTP calls. */
export interface RetryOptions {
  /** Further attempts after the first one. @default 2 */
  retries?: number
  /** The longest wait before an attempt; a longer `Retry-After` is not waited for. @default 10000 */
  maxDelayMs?: number
  /** First backoff when the server gives no `Retry-After` (doubles per attempt). @default 250 */
  baseDelayMs?: number
}

/** {@link RetryOptions} with defaults applied. */
export type ResolvedRetryOptions = Readonly<Required<RetryOptions>>

/** Applies the defaults of {@link RetryOptions}. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const retries = options.retries ?? 2
  const maxDelayMs = options.maxDelayMs ?? 10_000
  const baseDelayMs = options.baseDelayMs ?? 250
  for (const [name, v] of [['retries', retries], ['maxDelayMs', maxDelayMs], ['baseDelayMs', baseDelayMs]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`retry.${name} must be a non-negative integer`)
  }
  return Object.freeze({ retries, maxDelayMs, baseDelayMs })
}

/**
 * Milliseconds a `Retry-After` value asks to wait, or `undefined` when absent or unparsable.
 *
 * @example
 * parseRetryAfter('3', new Date()) // 3000
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms) starts with the day name.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now.getTime())
}

/** `true` for the statuses worth another attempt. */
export const isRetryableStatus = (status: number): boolean => status === 429 || status === 503

/**
 * How long to wait before attempt `attempt + 1` after `response`, or `undefined` to give up.
 * Without `Retry-After`: exponential backoff with full jitter.
 */
export function retryDelayMs(response: Response, attempt: number, policy: ResolvedRetryOptions, now: Date): number | undefined {
  if (!isRetryableStatus(response.status) || attempt >= policy.retries) return undefined
  const asked = parseRetryAfter(response.headers.get('retry-after'), now)
  const delay = asked ?? Math.round(policy.baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2))
  return delay > policy.maxDelayMs ? undefined : delay
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Sends `send()` until the answer is not a 429/503 or the policy gives up; returns the last answer.
 *
 * @example
 * const res = await sendWithRetry(() => fetch(url), resolveRetryOptions())
 */
export async function sendWithRetry(
  send: () => Promise<Response>,
  policy: ResolvedRetryOptions,
  clock: () => Date = () => new Date(),
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await send()
    const delay = retryDelayMs(res, attempt, policy, clock())
    if (delay === undefined) return res
    await res.body?.cancel()
    await sleep(delay)
  }
}
