import type { Deps } from './deps.js'
import type { DependencyStatus, HealthReport } from './context.js'

/** Above this a dependency is `degraded` (SPEC §10). */
export const DEGRADED_AFTER_MS = 1000

async function probe(check: () => Promise<void>, timeoutMs: number): Promise<{ status: DependencyStatus; latencyMs: number }> {
  const started = performance.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
      }),
    ])
    const latencyMs = Math.round(performance.now() - started)
    return { status: latencyMs > DEGRADED_AFTER_MS ? 'degraded' : 'healthy', latencyMs }
  } catch {
    return { status: 'unreachable', latencyMs: Math.round(performance.now() - started) }
  } finally {
    clearTimeout(timer)
  }
}

/** Probes storage, the ephemeral store and the key store in parallel (5 s timeout each). */
export async function healthReport(deps: Deps): Promise<HealthReport> {
  const [database, cache, keyStore] = await Promise.all([
    probe(() => deps.storage.ping(), 5000),
    probe(() => deps.ephemeral.ping(), 5000),
    probe(() => deps.keys.ping(), 5000),
  ])
  const all = [database, cache, keyStore].map((d) => d.status)
  const status: DependencyStatus = all.includes('unreachable') ? 'unreachable' : all.includes('degraded') ? 'degraded' : 'healthy'
  return { status, dependencies: { database, cache, keyStore } }
}
