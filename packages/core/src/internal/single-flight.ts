/**
 * Single flight: concurrent calls with the same key share one execution and its outcome (the
 * golang.org/x/sync/singleflight pattern). Nothing is cached: once the shared execution settles,
 * the next call starts a new one.
 *
 * @module
 */

/** A set of in-flight executions, keyed by string. */
export interface SingleFlight<T> {
  /** Runs `work`, or joins the execution already running under `key`. */
  run(key: string, work: () => Promise<T>): Promise<T>
  /** How many executions are in flight (tests and metrics). */
  readonly size: number
}

/**
 * Creates an empty single-flight group (state lives in the returned object, never in the module).
 *
 * @example
 * const flights = createSingleFlight<Report>()
 * const report = await flights.run(orgId, () => buildReport(orgId))
 */
export function createSingleFlight<T>(): SingleFlight<T> {
  const inFlight = new Map<string, Promise<T>>()
  return {
    run(key, work) {
      const running = inFlight.get(key)
      if (running !== undefined) return running
      const started = (async () => work())().finally(() => inFlight.delete(key))
      inFlight.set(key, started)
      return started
    },
    get size() {
      return inFlight.size
    },
  }
}
