/**
 * Helpers for multi-process and fault tests: real server processes (`server.ts` under tsx), a
 * private redis-server that may be stopped, and a TCP proxy in front of PostgreSQL that may be cut.
 * The machine's shared Redis and PostgreSQL are never stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { freePort } from './harness.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'

export async function probeRedis(): Promise<void> {
  const c = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  c.on('error', () => undefined)
  try {
    await c.connect()
    await c.ping()
  } finally {
    c.disconnect()
  }
}

/** Polls `check` every 25 ms until it is true or `deadlineMs` passed; returns the last outcome. */
export async function until(check: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs
  for (;;) {
    if (await check().catch(() => false)) return true
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 25))
  }
}

export interface OpsServerProcess {
  url: string
  stop(): Promise<void>
}

/** Spawns `server.ts` with `env` on `port` (so several processes can share one issuer) and waits until `/health` answers. */
export async function spawnServerOnPort(env: Record<string, string>, port: number): Promise<OpsServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=@sentryagent/source', '--import', 'tsx', 'examples/reference-server/src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', LOG_LEVEL: 'error', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const up = await until(async () => {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`)
    return (await fetch(`${url}/health`)).status === 200
  }, 60_000)
  if (!up) {
    child.kill('SIGKILL')
    throw new Error(`server did not start: ${stderr}`)
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
    },
  }
}

/** A private redis-server on a random port (no persistence), stoppable and restartable. */
export async function privateRedis() {
  const port = await freePort()
  let child: ChildProcess | undefined
  const ping = async () => {
    const c = new Redis({ port, lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null })
    c.on('error', () => undefined)
    try {
      await c.connect()
      return (await c.ping()) === 'PONG'
    } finally {
      c.disconnect()
    }
  }
  const handle = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      if (!(await until(ping, 10_000))) throw new Error('private redis-server did not start')
    },
    async stop() {
      const c = child
      child = undefined
      if (c === undefined || c.exitCode !== null) return
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve())
        c.kill('SIGKILL')
      })
    },
  }
  await handle.start()
  return handle
}

/** A TCP proxy to PostgreSQL that a test can cut (refusing and dropping connections) and restore. */
export async function pgProxy(target = { host: '127.0.0.1', port: 5432 }) {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const open = async () => {
    const srv = createServer((client) => {
      const upstream = connect(target.port, target.host)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve))
    server = srv
  }
  await open()
  return {
    port,
    async cut() {
      const srv = server
      server = undefined
      for (const s of sockets) s.destroy()
      if (srv !== undefined) await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
    restore: open,
  }
}
