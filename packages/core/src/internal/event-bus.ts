import type { IdpEvents } from '../events.js'
import type { Logger } from '../logger.js'

type AnyListener = (event: IdpEvents[keyof IdpEvents]) => void | Promise<void>

/** Typed, in-process event fan-out; a failing listener is logged and never affects the caller. */
export interface EventBus {
  on<K extends keyof IdpEvents>(name: K, listener: (event: IdpEvents[K]) => void | Promise<void>): () => void
  emit<K extends keyof IdpEvents>(name: K, event: IdpEvents[K]): void
}

export function createEventBus(log: Logger): EventBus {
  const listeners = new Map<string, Set<AnyListener>>()
  return {
    on(name, listener) {
      const set = listeners.get(name) ?? new Set<AnyListener>()
      listeners.set(name, set)
      set.add(listener as AnyListener)
      return () => set.delete(listener as AnyListener)
    },
    emit(name, event) {
      for (const l of listeners.get(name) ?? []) {
        try {
          void Promise.resolve(l(event)).catch((err: unknown) => log.error({ err, event: name }, 'event listener failed'))
        } catch (err) {
          log.error({ err, event: name }, 'event listener failed')
        }
      }
    },
  }
}
