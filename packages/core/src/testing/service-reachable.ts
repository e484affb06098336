/**
 * Decides whether a test suite that needs an external service (PostgreSQL, Redis, Vault) runs.
 *
 * @module
 */

/** Options of {@link serviceReachable}. */
export interface ServiceReachableOptions {
  /**
   * When `true`, an unreachable service throws instead of returning `false`, so that CI fails
   * rather than silently skipping the suite.
   * @default Boolean(process.env.CI)
   */
  ci?: boolean
  /** How long the probe may take before the service counts as unreachable. @default 3000 */
  timeoutMs?: number
}

/**
 * Runs `probe` and reports whether the service answered. Locally an unreachable service yields
 * `false` (the suite is skipped); in CI it throws.
 *
 * @example
 * const targets = [{ name: 'pglite', setup: pgliteFixture }]
 * if (await serviceReachable('postgres', () => pingPostgres(url))) targets.push({ name: 'pg', setup: pgFixture })
 *
 * @throws {Error} when the probe fails and `ci` is true.
 */
export async function serviceReachable(
  name: string,
  probe: () => Promise<unknown>,
  options: ServiceReachableOptions = {},
): Promise<boolean> {
  const ci = options.ci ?? Boolean(globalThis.process?.env?.['CI'])
  const timeoutMs = options.timeoutMs ?? 3000
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} probe timed out after ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    return true
  } catch (cause) {
    if (ci) throw new Error(`${name} is not reachable, and CI requires it`, { cause })
    return false
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}
