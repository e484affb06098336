import { describe, expect, it } from 'vitest'
import { createMemoryEphemeralStore } from './memory-ephemeral-store.js'

describe('memory ephemeral store', () => {
  it('expires keys by TTL and never extends a counter window', async () => {
    let now = 0
    const s = createMemoryEphemeralStore({ nowMs: () => now })
    await s.set('k', 'v', 10)
    expect(await s.increment('c', 5)).toBe(1)
    now = 4000
    expect(await s.increment('c', 5)).toBe(2)
    expect(await s.get('k')).toBe('v')
    now = 5000
    expect(await s.increment('c', 5)).toBe(1)
    now = 10_000
    expect(await s.get('k')).toBeNull()
  })

  it('setIfAbsent and getAndDelete are single-winner', async () => {
    const s = createMemoryEphemeralStore()
    const wins = await Promise.all(Array.from({ length: 10 }, () => s.setIfAbsent('jti', '1', 60)))
    expect(wins.filter(Boolean)).toHaveLength(1)
    expect(await s.getAndDelete('jti')).toBe('1')
    expect(await s.getAndDelete('jti')).toBeNull()
    await expect(s.set('x', 'y', 0)).rejects.toThrow(RangeError)
  })
})
