import { describe, expect, it } from 'vitest'
import { serviceReachable } from './service-reachable.js'

describe('serviceReachable', () => {
  const down = () => Promise.reject(new Error('ECONNREFUSED'))

  it('is true when the probe resolves', async () => {
    expect(await serviceReachable('svc', async () => 'pong', { ci: true })).toBe(true)
  })

  it('is false locally when the probe fails', async () => {
    expect(await serviceReachable('svc', down, { ci: false })).toBe(false)
  })

  it('throws in CI when the probe fails, with the failure as cause', async () => {
    await expect(serviceReachable('svc', down, { ci: true })).rejects.toThrow(/svc is not reachable/)
  })

  it('treats a probe slower than timeoutMs as unreachable', async () => {
    const never = () => new Promise<never>(() => undefined)
    expect(await serviceReachable('svc', never, { ci: false, timeoutMs: 10 })).toBe(false)
  })
})
