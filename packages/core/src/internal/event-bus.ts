import type { IdpEvents } from '../events.js'
import type { Logger } from '../logger.js'
import type { AuditEvent } from '../model.js'

type AnyListener = (event: AuditEvent) => void | Promise<void>

/** Typed, in-process event fan-out; a failing listener is logged and never affects the caller. */
export interface EventBus {
  on<K extends keyof IdpEvents>(name: K, listener: (event: IdpEvents[K]) => void | Promise<void>): () => void
  /** Emits a committed audit event to the listeners of its action (and of `*`). */
  emit(event: AuditEvent): void
  /** Listens to every action (outbox nudges, liveness memo). */
  onAny(listener: (event: AuditEvent) => void): () => void
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
    onAny(listener) {
      const set = listeners.get('*') ?? new Set<AnyListener>()
      listeners.set('*', set)
      set.add(listener)
      return () => set.delete(listener)
    },
    emit(event) {
      const name = event.action
      for (const l of [...(listeners.get(name) ?? []), ...(listeners.get('*') ?? [])]) {
        try {
          void Promise.resolve(l(event)).catch((err: unknown) => log.error({ err, event: name }, 'event listener failed'))
        } catch (err) {
          log.error({ err, event: name }, 'event listener failed')
        }
      }
    },
  }
}
