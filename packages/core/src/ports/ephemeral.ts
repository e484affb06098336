/**
 * The ephemeral-state port: TTL keys and atomic counters. Memory by default, Redis in production.
 * Losing it never loses durable state: core treats it as a cache that can be rebuilt from storage.
 *
 * @module
 */
/** The outcome of {@link EphemeralStore.incrementBelow}. */
export interface BoundedIncrement {
  /** The counter after the call (unchanged when refused). */
  readonly value: number
  /** `false` when the counter was already at (or above) the limit and was left unchanged. */
  readonly incremented: boolean
}

export interface EphemeralStore {
  /** `null` when absent or expired. */
  get(key: string): Promise<string | null>
  /** Sets `key` with a TTL in seconds (> 0), replacing any value. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>
  /** SET NX: `false` when the key already existed (replay detection). */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>
  /** Atomic GET + DEL. */
  getAndDelete(key: string): Promise<string | null>
  /** INCR; the TTL is set only when the key is created (fixed window), never extended. */
  increment(key: string, ttlSeconds: number): Promise<number>
  /**
   * Atomic check-and-increment of a fixed-window counter (quotas): increments `key` only while its
   * value is below `limit`, in one step, so that concurrent callers across processes never admit
   * more than `limit` in total. The TTL is set only when the key is created, never extended.
   * Resolves with the value after the call and whether this call incremented it.
   */
  incrementBelow(key: string, limit: number, ttlSeconds: number): Promise<BoundedIncrement>
  delete(key: string): Promise<void>
  /** Cheap round trip for health checks; throws when unreachable. */
  ping(): Promise<void>
  /**
   * Publishes `message` on `channel` to the subscribers of every process sharing this store
   * (best effort, at most once: a subscriber that is disconnected at that moment misses it, so
   * subscribers must also refresh on their own schedule). Optional: single-node stores may omit it.
   */
  publish?(channel: string, message: string): Promise<void>
  /**
   * Calls `listener` for every message published on `channel`, from any process. Resolves once the
   * subscription is active, with a function that ends it.
   */
  subscribe?(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}
