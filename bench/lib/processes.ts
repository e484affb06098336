/**
 * Starting and stopping the servers under test as separate processes on 127.0.0.1, and reading
 * their resident memory.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** A server process under test. */
export interface ServerProcess {
  readonly name: string
  readonly url: string
  readonly pid: number
  /** Resident set size in MiB (`VmRSS`), or NaN when unavailable. */
  rssMiB(): Promise<number>
  /** CPU seconds (user + system, every thread) the process has used so far, or NaN when unavailable. */
  cpuSeconds(): Promise<number>
  stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** `VmRSS` of a process in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]
    return kb === undefined ? Number.NaN : Number(kb) / 1024
  } catch {
    return Number.NaN
  }
}

/** User + system CPU seconds of a process, all threads (`/proc/<pid>/stat` fields 14 and 15). */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return ticks / 100 // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN
  }
}

/** Where the machine's CPU went, in seconds so far (cumulative counters; subtract two readings). */
export interface MachineCpu {
  /** Every core's non-idle time (`/proc/stat`): all processes and the kernel. */
  machine: number
  /** This process (the load generator: autocannon runs in it). */
  loadGenerator: number
  /** Every process named `postgres` (the server and its backends) on this machine. */
  postgres: number
  /** Every process named `redis-server` on this machine. */
  redis: number
}

/** Reads {@link MachineCpu}; the fields are NaN where `/proc` is unavailable (not Linux). */
export async function machineCpu(): Promise<MachineCpu> {
  const generator = process.cpuUsage()
  const services = { postgres: 0, redis: 0 }
  let machine = Number.NaN
  try {
    // cpu  user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
    const total = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
    machine = total.reduce((sum, ticks, i) => (i === 3 || i === 4 || i > 7 ? sum : sum + ticks), 0) / 100
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim()
      const service = comm === 'postgres' ? 'postgres' : comm === 'redis-server' ? 'redis' : undefined
      if (service !== undefined) services[service] += (await cpuSeconds(Number(pid))) || 0
    }
  } catch {
    return { machine: Number.NaN, loadGenerator: Number.NaN, postgres: Number.NaN, redis: Number.NaN }
  }
  return { machine, loadGenerator: (generator.user + generator.system) / 1e6, ...services }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The reference server exactly as `npm start` runs it: the arguments that follow `node` in the root
 * `package.json`'s `start` script (Node flags, then the launcher, which compiles the sources; no tsx
 * is left in the process).
 */
export const REFERENCE_SERVER = npmStartArguments()

function npmStartArguments(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts?: { start?: string } }
  const start = manifest.scripts?.start ?? ''
  if (!start.startsWith('node ')) throw new Error(`the start script is not \`node …\`: ${start}`)
  return start.slice('node '.length).trim()
}

/**
 * Starts an entry point (relative to the repository root, optionally after Node flags, as in
 * {@link REFERENCE_SERVER}): a TypeScript one with tsx and the source condition, a JavaScript one as
 * is; resolves once `ready` answers 2xx. `BENCH_CPU_PROF=<dir>` profiles it (`--cpu-prof`).
 */
export async function startNodeProcess(name: string, command: string, env: Record<string, string>, readyUrl: string): Promise<ServerProcess> {
  const profDir = process.env['BENCH_CPU_PROF']
  const words = command.split(/\s+/)
  const entry = words.at(-1) ?? ''
  const args = [
    ...words.slice(0, -1),
    ...(entry.endsWith('.ts') ? ['--conditions=@sentryagent/source', '--import', 'tsx'] : []),
    ...(profDir === undefined || profDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`]),
    entry,
  ]
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const pid = child.pid
  if (pid === undefined) throw new Error(`${name}: failed to spawn`)
  const deadline = Date.now() + 180_000 // PGlite's first start (initdb, migrations) is slow on a busy machine
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`)
    try {
      const res = await fetch(readyUrl)
      await res.arrayBuffer()
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} did not become ready:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  const url = new URL(readyUrl).origin
  return {
    name,
    url,
    pid,
    rssMiB: () => rssMiB(pid),
    cpuSeconds: () => cpuSeconds(pid),
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(force)
    },
  }
}
