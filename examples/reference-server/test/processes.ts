/**
 * Real server processes for integration tests that need more than one process or a hard kill:
 * `node start.mjs` (the launcher that compiles the sources at start), exactly as `npm start` runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ADMIN_ID, ADMIN_SECRET, MASTER_KEY, freePort } from './harness.js'

/** `npm start`'s entry. */
export const LAUNCHER = fileURLToPath(new URL('../start.mjs', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export interface ServerProcess {
  url: string
  child: ChildProcess
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>
  output: () => string
  stop(signal?: NodeJS.Signals): Promise<number | string>
}

/** Spawns a server (on `port`, else a free one) and waits until `/health` answers (60 s at most). */
export async function spawnServer(env: Record<string, string>, options: { port?: number } = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, [LAUNCHER], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER: url,
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
      SENTRYAGENT_MASTER_KEY: MASTER_KEY,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited during start:\n${out}`)
    try {
      if ((await fetch(`${url}/health`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server did not start in 60 s:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    child,
    exited,
    output: () => out,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}
