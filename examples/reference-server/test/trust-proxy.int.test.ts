/**
 * `TRUST_PROXY` (issue 10, finding 6): with the proxies' addresses, the client address is the entry
 * the trusted proxy appended — a forged leftmost `X-Forwarded-For` entry is neither the audited
 * address nor a way around the per-address limits. Without `TRUST_PROXY`, or when the connection
 * does not come from a listed proxy, the header is ignored. A hop count of 1 believes the entry the
 * nearest peer appended, whatever that peer's address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendForm } from './edge-sockets.js'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, startOn, type Running } from './harness.js'
import { until } from './ops-fixtures.js'

const target = TARGETS[0]
const CLIENT = '203.0.113.7'

interface AuditItem {
  action: string
  ip: string | null
  details: Record<string, unknown>
}

describe.each([
  { trustProxy: '127.0.0.1', expected: CLIENT },
  { trustProxy: '10.0.0.0/8, 127.0.0.0/8, ::1', expected: CLIENT },
  { trustProxy: '10.0.0.0/8', expected: '127.0.0.1' },
  { trustProxy: '1', expected: CLIENT },
  { trustProxy: undefined, expected: '127.0.0.1' },
])('TRUST_PROXY=$trustProxy', ({ trustProxy, expected }) => {
  let server: Running
  let admin: string

  beforeAll(async () => {
    if (target === undefined) throw new Error('no storage target')
    server = await startOn(target, { RATE_LIMIT_TOKEN_IP_POINTS: '4', ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) })
    admin = await api(server.url).token(ADMIN_ID, ADMIN_SECRET) // the first of the 4 token requests from 127.0.0.1
  })
  afterAll(async () => server.close())

  const audit = async (action: string) => {
    const res = await api(server.url).call('GET', `/api/v1/audit?action=${action}&limit=100`, admin)
    return (res.body?.['items'] ?? []) as AuditItem[]
  }

  it('audits the address the trusted proxy saw, never the forged leftmost entry', async () => {
    const forged = { 'x-forwarded-for': `6.6.6.6, ${CLIENT}` }
    const wrong = await sendForm(`${server.url}/oauth2/token`, { grant_type: 'client_credentials' }, { basic: { id: ADMIN_ID, secret: 'wrong-secret' }, headers: forged })
    expect(wrong.status).toBe(401)
    const ok = await sendForm(`${server.url}/oauth2/token`, { grant_type: 'client_credentials' }, { basic: { id: ADMIN_ID, secret: ADMIN_SECRET }, headers: forged })
    expect(ok.status).toBe(200)
    // Newest first: the token just issued, then the administrator's first one (no header at all).
    expect((await audit('token.issued')).map((e) => e.ip)).toEqual([expected, '127.0.0.1'])
    // The failure is audited after the response (uniform failure latency): wait for it.
    expect(await until(async () => (await audit('auth.failed')).length > 0, 10_000)).toBe(true)
    const failed = await audit('auth.failed')
    expect(failed.map((e) => e.ip)).toEqual([expected])
    const everyIp = [...(await audit('token.issued')), ...failed].map((e) => e.ip)
    expect(everyIp).not.toContain('6.6.6.6')
  })

  it('keeps per-address limits biting whatever the forged entries say', async () => {
    const statuses: number[] = []
    // Two token requests were made from this address in the test above (three when the header is
    // ignored, counting the administrator's first token): forging a new leftmost entry each time
    // does not reset the count.
    for (let i = 0; i < 3; i++) {
      const headers = { 'x-forwarded-for': `10.${i}.${i}.${i}, ${CLIENT}` }
      statuses.push((await sendForm(`${server.url}/oauth2/token`, { grant_type: 'client_credentials' }, { basic: { id: ADMIN_ID, secret: ADMIN_SECRET }, headers })).status)
    }
    expect(statuses).toContain(429)
    expect(statuses.at(-1)).toBe(429)
  })
})
