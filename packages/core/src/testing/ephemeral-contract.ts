/**
 * The ephemeral-store contract suite: every `EphemeralStore` (memory, Redis, …) runs it, so that
 * they agree on TTLs, atomicity under concurrency, fixed-window counters and publish/subscribe
 * exactly as documented on the port (`ports/ephemeral.ts`). Waits are bounded polls, never timed
 * assertions.
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import { useFixture } from './fixture.js'
import type { EphemeralStore } from '../ports/ephemeral.js'

/** An ephemeral store under test and how to dispose of it. */
export interface EphemeralFixture {
  /** A store sharing no keys with any other fixture (fresh instance or random key prefix). */
  store: EphemeralStore
  /**
   * A second handle on the SAME backend and key space (another process in production), for the
   * cross-instance checks; omit for in-process stores.
   */
  peer?: EphemeralStore
  /** Releases everything `setup` created. */
  teardown(): Promise<void>
}

async function eventually(check: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > until) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Registers the ephemeral-store contract suite with vitest.
 *
 * @example
 * import { describeEphemeralContract } from '@sentryagent/core/testing'
 * import { createMemoryEphemeralStore } from '@sentryagent/core'
 *
 * describeEphemeralContract('memory', async () => {
 *   const store = createMemoryEphemeralStore()
 *   return { store, teardown: () => store.close() }
 * })
 */
export function describeEphemeralContract(name: string, setup: () => Promise<EphemeralFixture>): void {
  describe(`${name}: ephemeral store contract`, () => {
    const f = useFixture('ephemeral contract', setup)

    it('get() returns null for an absent key; set() stores and replaces', async () => {
      const { store } = f()
      expect(await store.get('absent')).toBeNull()
      await store.set('k', 'v1', 60)
      expect(await store.get('k')).toBe('v1')
      await store.set('k', 'v2', 60)
      expect(await store.get('k')).toBe('v2')
    })

    it('keys with glob and separator characters are literal', async () => {
      const { store } = f()
      await store.set('a*b?[c]:d', 'x', 60)
      expect(await store.get('a*b?[c]:d')).toBe('x')
      expect(await store.get('aXb?[c]:d')).toBeNull()
      await store.delete('a*')
      expect(await store.get('a*b?[c]:d')).toBe('x')
    })

    it('an entry expires after its TTL', async () => {
      const { store } = f()
      await store.set('short', 'v', 1)
      await store.set('long', 'v', 60)
      expect(await store.get('short')).toBe('v')
      expect(await eventually(async () => (await store.get('short')) === null, 5000)).toBe(true)
      expect(await store.get('long')).toBe('v')
    })

    it('setIfAbsent() succeeds for exactly one of 20 concurrent callers', async () => {
      const { store } = f()
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('jti:1', String(i), 60)))
      expect(results.filter(Boolean)).toHaveLength(1)
      const winner = results.indexOf(true)
      expect(await store.get('jti:1')).toBe(String(winner))
      expect(await store.setIfAbsent('jti:1', 'again', 60)).toBe(false)
    })

    it('getAndDelete() hands the value to exactly one of 20 concurrent callers', async () => {
      const { store } = f()
      await store.set('code', 'secret', 60)
      const results = await Promise.all(Array.from({ length: 20 }, () => store.getAndDelete('code')))
      expect(results.filter((r) => r === 'secret')).toHaveLength(1)
      expect(results.filter((r) => r === null)).toHaveLength(19)
      expect(await store.get('code')).toBeNull()
      expect(await store.getAndDelete('code')).toBeNull()
    })

    it('increment() is atomic: 50 concurrent calls return 1…50', async () => {
      const { store } = f()
      const results = await Promise.all(Array.from({ length: 50 }, () => store.increment('counter', 60)))
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
      expect(await store.get('counter')).toBe('50')
    })

    it('increment() sets the TTL only on creation (fixed window), never extends it', async () => {
      const { store } = f()
      expect(await store.increment('window', 1)).toBe(1)
      // Incrementing continuously: an extended TTL would never let the window end.
      const reset = await eventually(async () => (await store.increment('window', 1)) === 1, 6000)
      expect(reset).toBe(true)
    })

    it('incrementBelow() admits exactly `limit` of 40 concurrent callers and then leaves the value unchanged', async () => {
      const { store } = f()
      const results = await Promise.all(Array.from({ length: 40 }, () => store.incrementBelow('quota', 25, 60)))
      const admitted = results.filter((r) => r.incremented).map((r) => r.value)
      expect(admitted.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
      expect(results.filter((r) => !r.incremented).every((r) => r.value === 25)).toBe(true)
      expect(await store.get('quota')).toBe('25')
      expect(await store.incrementBelow('quota', 26, 60)).toEqual({ value: 26, incremented: true })
      expect(await store.incrementBelow('quota', 0, 60)).toEqual({ value: 26, incremented: false })
    })

    it('incrementBelow() shares the counter of increment() and never extends the TTL', async () => {
      const { store } = f()
      expect(await store.increment('mixed', 60)).toBe(1)
      expect(await store.incrementBelow('mixed', 5, 60)).toEqual({ value: 2, incremented: true })
      expect(await store.incrementBelow('fresh', 1, 1)).toEqual({ value: 1, incremented: true })
      expect(await store.incrementBelow('fresh', 1, 1)).toEqual({ value: 1, incremented: false })
      // Calling continuously: an extended TTL would never let the window end.
      const reset = await eventually(async () => (await store.incrementBelow('fresh', 1, 1)).incremented, 6000)
      expect(reset).toBe(true)
    })

    it('delete() removes a key and is idempotent', async () => {
      const { store } = f()
      await store.set('gone', 'v', 60)
      await store.delete('gone')
      await store.delete('gone')
      expect(await store.get('gone')).toBeNull()
    })

    it('ping() resolves while the store is reachable', async () => {
      await expect(f().store.ping()).resolves.toBeUndefined()
    })

    it('a peer handle on the same backend sees every write', async () => {
      const { store, peer } = f()
      if (peer === undefined) return
      await store.set('shared', 'v', 60)
      expect(await peer.get('shared')).toBe('v')
      expect(await peer.setIfAbsent('shared', 'w', 60)).toBe(false)
      expect(await peer.increment('n', 60)).toBe(1)
      expect(await store.increment('n', 60)).toBe(2)
      expect(await peer.incrementBelow('n', 3, 60)).toEqual({ value: 3, incremented: true })
      expect(await store.incrementBelow('n', 3, 60)).toEqual({ value: 3, incremented: false })
    })

    it('publish() reaches every subscriber of the channel, including other instances; unsubscribe stops it', async () => {
      const { store, peer } = f()
      if (store.publish === undefined || store.subscribe === undefined) return
      const local: string[] = []
      const remote: string[] = []
      const other: string[] = []
      const offLocal = await store.subscribe('keys', (m) => local.push(m))
      const offRemote = peer?.subscribe === undefined ? undefined : await peer.subscribe('keys', (m) => remote.push(m))
      const offOther = await store.subscribe('other', (m) => other.push(m))
      await store.publish('keys', 'rotated:1')
      expect(await eventually(async () => local.includes('rotated:1') && (offRemote === undefined || remote.includes('rotated:1')), 3000)).toBe(true)
      await offLocal()
      await offRemote?.()
      await store.publish('keys', 'rotated:2')
      await store.publish('other', 'done')
      expect(await eventually(async () => other.includes('done'), 3000)).toBe(true)
      expect(local).toEqual(['rotated:1'])
      expect(remote).toEqual(offRemote === undefined ? [] : ['rotated:1'])
      await offOther()
    })
  })
}
