/**
 * A counting semaphore with a bounded FIFO queue: at most `permits` holders at once, at most
 * `maxWaiting` callers waiting for a permit; beyond that, entry is refused rather than queued, so
 * that waiting itself stays bounded.
 *
 * @module
 */

/** Gives the permit back; calling it more than once has no further effect. */
export type Release = () => void

export interface Semaphore {
  /**
   * A promise of a permit (resolved at once when one is free, else in FIFO order), or `undefined`
   * when `maxWaiting` callers are already waiting.
   */
  tryAcquire(): Promise<Release> | undefined
  /** Permits held right now. */
  readonly active: number
  /** Callers waiting right now. */
  readonly waiting: number
}

/**
 * Creates a semaphore (state lives in the returned object, never in the module).
 *
 * @example
 * const slots = createSemaphore({ permits: 2, maxWaiting: 8 })
 * const entry = slots.tryAcquire()
 * if (entry === undefined) throw new IdpError('RATE_LIMITED')
 * const release = await entry
 * try { await work() } finally { release() }
 */
export function createSemaphore(options: { permits: number; maxWaiting: number }): Semaphore {
  let active = 0
  const queue: ((release: Release) => void)[] = []
  const grant = (): Release => {
    active++
    let released = false
    return () => {
      if (released) return
      released = true
      active--
      const next = queue.shift()
      if (next !== undefined) next(grant())
    }
  }
  return {
    tryAcquire() {
      if (active < options.permits) return Promise.resolve(grant())
      if (queue.length >= options.maxWaiting) return undefined
      return new Promise<Release>((resolve) => queue.push(resolve))
    },
    get active() {
      return active
    },
    get waiting() {
      return queue.length
    },
  }
}
