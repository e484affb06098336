/**
 * A FIFO async mutex: PGlite has one connection, so a transaction must own it from `begin` to
 * `commit` while every other query (transactional or not) waits its turn.
 *
 * @module
 */

/** An async lock; `lock()` resolves to the function that releases it (idempotent). */
export interface Mutex {
  lock(): Promise<() => void>
}

export function createMutex(): Mutex {
  let tail: Promise<void> = Promise.resolve()
  return {
    lock() {
      const previous = tail
      let open: () => void = () => undefined
      const held = new Promise<void>((resolve) => {
        open = resolve
      })
      tail = previous.then(() => held)
      let released = false
      const release = (): void => {
        if (released) return
        released = true
        open()
      }
      return previous.then(() => release)
    },
  }
}
