import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRetryAfter, resolveRetryOptions, retryDelayMs, sendWithRetry } from './retry.js'

const NOW = new Date('2026-01-01T00:00:00Z')

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates, and nothing else', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000)
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', NOW)).toBe(5000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', NOW)).toBe(0)
    expect(parseRetryAfter(null, NOW)).toBeUndefined()
    expect(parseRetryAfter('soon', NOW)).toBeUndefined()
    expect(parseRetryAfter('-1', NOW)).toBeUndefined()
  })
})

describe('retryDelayMs', () => {
  const policy = resolveRetryOptions({ retries: 2, maxDelayMs: 10_000, baseDelayMs: 100 })
  const res = (status: number, retryAfter?: string) => new Response(null, { status, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } })

  it('retries 429 and 503 only, within the attempt budget, honouring Retry-After', () => {
    expect(retryDelayMs(res(429, '2'), 0, policy, NOW)).toBe(2000)
    expect(retryDelayMs(res(503, '1'), 1, policy, NOW)).toBe(1000)
    expect(retryDelayMs(res(429, '1'), 2, policy, NOW)).toBeUndefined()
    for (const status of [200, 400, 401, 404, 500, 502]) expect(retryDelayMs(res(status, '1'), 0, policy, NOW)).toBeUndefined()
  })

  it('gives up rather than wait longer than maxDelayMs, and backs off exponentially without Retry-After', () => {
    expect(retryDelayMs(res(429, '11'), 0, policy, NOW)).toBeUndefined()
    const first = retryDelayMs(res(503), 0, policy, NOW) ?? -1
    const second = retryDelayMs(res(503), 1, policy, NOW) ?? -1
    expect(first).toBeGreaterThanOrEqual(50)
    expect(first).toBeLessThanOrEqual(100)
    expect(second).toBeGreaterThanOrEqual(100)
    expect(second).toBeLessThanOrEqual(200)
  })

  it('refuses a policy that is not made of non-negative integers', () => {
    expect(() => resolveRetryOptions({ retries: -1 })).toThrow('retry.retries')
    expect(() => resolveRetryOptions({ maxDelayMs: 1.5 })).toThrow('retry.maxDelayMs')
  })
})

describe('sendWithRetry over HTTP', () => {
  let server: Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))))

  /** A server answering the given statuses in turn (then 200), counting requests. */
  async function serve(answers: { status: number; retryAfter?: string }[]) {
    let n = 0
    server = createServer((_req, res) => {
      const a = answers[n++] ?? { status: 200 }
      res.writeHead(a.status, a.retryAfter === undefined ? {} : { 'retry-after': a.retryAfter })
      res.end(String(a.status))
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, count: () => n }
  }

  it('waits what Retry-After asks and succeeds on the next attempt', async () => {
    const s = await serve([{ status: 429, retryAfter: '1' }, { status: 503, retryAfter: '0' }])
    const res = await sendWithRetry(() => fetch(s.url), resolveRetryOptions())
    expect(res.status).toBe(200)
    expect(s.count()).toBe(3)
  })

  it('is bounded: the last answer is returned after the retries, and a long Retry-After is not waited for', async () => {
    const s = await serve([{ status: 503, retryAfter: '0' }, { status: 503, retryAfter: '0' }, { status: 503, retryAfter: '0' }])
    expect((await sendWithRetry(() => fetch(s.url), resolveRetryOptions({ retries: 2 }))).status).toBe(503)
    expect(s.count()).toBe(3)
    server?.close()
    const slow = await serve([{ status: 429, retryAfter: '3600' }])
    expect((await sendWithRetry(() => fetch(slow.url), resolveRetryOptions())).status).toBe(429)
    expect(slow.count()).toBe(1)
  })
})
