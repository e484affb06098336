/**
 * In-process {@link EphemeralStore}: the default for a single node. Entries expire lazily on
 * access and in a sweep every 1,000 writes, so memory stays bounded by live keys.
 *
 * @module
 */
import type { EphemeralStore } from '../ports/ephemeral.js'

/** Options of {@link createMemoryEphemeralStore}. */
export interface MemoryEphemeralStoreOptions {
  /** @default () => Date.now() */
  nowMs?: () => number
}

/**
 * Creates an in-process ephemeral store.
 *
 * @example
 * const ephemeral = createMemoryEphemeralStore()
 * await ephemeral.set('revoked:abc', '1', 3600)
 */
export function createMemoryEphemeralStore(options: MemoryEphemeralStoreOptions = {}): EphemeralStore {
  const nowMs = options.nowMs ?? (() => Date.now())
  const entries = new Map<string, { value: string; expiresAtMs: number }>()
  const channels = new Map<string, Set<(message: string) => void>>()
  let writes = 0

  const live = (key: string) => {
    const e = entries.get(key)
    if (e === undefined) return undefined
    if (e.expiresAtMs <= nowMs()) {
      entries.delete(key)
      return undefined
    }
    return e
  }
  const write = (key: string, value: string, ttlSeconds: number) => {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be > 0')
    entries.set(key, { value, expiresAtMs: nowMs() + ttlSeconds * 1000 })
    if (++writes % 1000 === 0) {
      const now = nowMs()
      for (const [k, e] of entries) if (e.expiresAtMs <= now) entries.delete(k)
    }
  }

  return {
    async get(key) {
      return live(key)?.value ?? null
    },
    async set(key, value, ttlSeconds) {
      write(key, value, ttlSeconds)
    },
    async setIfAbsent(key, value, ttlSeconds) {
      if (live(key) !== undefined) return false
      write(key, value, ttlSeconds)
      return true
    },
    async getAndDelete(key) {
      const e = live(key)
      entries.delete(key)
      return e?.value ?? null
    },
    async increment(key, ttlSeconds) {
      const e = live(key)
      if (e === undefined) {
        write(key, '1', ttlSeconds)
        return 1
      }
      const n = Number(e.value) + 1
      e.value = String(n)
      return n
    },
    async incrementBelow(key, limit, ttlSeconds) {
      const e = live(key)
      const current = e === undefined ? 0 : Number(e.value)
      if (current >= limit) return { value: current, incremented: false }
      if (e === undefined) write(key, '1', ttlSeconds)
      else e.value = String(current + 1)
      return { value: current + 1, incremented: true }
    },
    async delete(key) {
      entries.delete(key)
    },
    async ping() {},
    async publish(channel, message) {
      for (const listener of [...(channels.get(channel) ?? [])]) {
        // A throwing listener must not keep the others from hearing the message.
        queueMicrotask(() => listener(message))
      }
    },
    async subscribe(channel, listener) {
      const set = channels.get(channel) ?? new Set()
      channels.set(channel, set)
      // Wrapped so that subscribing the same function twice yields two independent subscriptions.
      const wrapped = (message: string) => listener(message)
      set.add(wrapped)
      return async () => {
        set.delete(wrapped)
      }
    },
    async close() {
      entries.clear()
      channels.clear()
    },
  }
}
