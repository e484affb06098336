/**
 * One load run with autocannon: a warm-up, then a bounded measured run; what a row of the report
 * holds. The same settings are used for every server so that the comparison is fair.
 *
 * @module
 */
import autocannon from 'autocannon'
import { machineCpu, type MachineCpu, type ServerProcess } from './processes.js'

/** What a scenario sends: a fixed request, or a body made per request (fresh assertions). */
export interface RequestSpec {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
  /** Called per request; overrides `body` (used for `private_key_jwt`, one jti per request). */
  makeBody?: () => string
}

/** Figures of one measured run. */
export interface RunResult {
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  rssMiB: number
  /** Server CPU time per request in ms (process CPU seconds over the measured run / requests). */
  cpuMsPerRequest: number
  /** The whole machine's CPU time per request in ms over the measured run, and its load generator's, PostgreSQL's and Redis's shares. */
  machineMsPerRequest: MachineCpu
}

/** Load settings, from the environment of `bench/run.ts`. */
export interface LoadSettings {
  durationSeconds: number
  warmupSeconds: number
}

function fire(url: string, spec: RequestSpec, connections: number, duration: number): Promise<autocannon.Result> {
  const { makeBody } = spec
  return autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        ...(spec.body === undefined ? {} : { body: spec.body }),
        ...(makeBody === undefined ? {} : { setupRequest: (req: autocannon.Request) => ({ ...req, body: makeBody() }) }),
      },
    ],
  })
}

/** Warm-up, then a measured run; RSS read right after. */
export async function measure(server: ServerProcess, spec: RequestSpec, connections: number, settings: LoadSettings): Promise<RunResult> {
  if (settings.warmupSeconds > 0) await fire(server.url, spec, connections, settings.warmupSeconds)
  const [cpuBefore, machineBefore] = [await server.cpuSeconds(), await machineCpu()]
  const r = await fire(server.url, spec, connections, settings.durationSeconds)
  const [cpuAfter, machineAfter] = [await server.cpuSeconds(), await machineCpu()]
  const perRequest = (seconds: number) => (r.requests.total > 0 ? (seconds * 1000) / r.requests.total : Number.NaN)
  return {
    cpuMsPerRequest: perRequest(cpuAfter - cpuBefore),
    machineMsPerRequest: {
      machine: perRequest(machineAfter.machine - machineBefore.machine),
      loadGenerator: perRequest(machineAfter.loadGenerator - machineBefore.loadGenerator),
      postgres: perRequest(machineAfter.postgres - machineBefore.postgres),
      redis: perRequest(machineAfter.redis - machineBefore.redis),
    },
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    rssMiB: await server.rssMiB(),
  }
}

/** The median run by tokens/s (latencies and errors of that run); errors are summed over runs. */
export function medianOf(runs: readonly RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps)
  const mid = sorted[Math.floor(sorted.length / 2)]
  if (mid === undefined) throw new Error('no runs')
  return {
    ...mid,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    rssMiB: Math.max(...runs.map((r) => r.rssMiB)),
  }
}
