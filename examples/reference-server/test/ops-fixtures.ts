/**
 * Helpers for multi-process and fault tests: real server processes (`server.ts` under tsx), a
 * private redis-server that may be stopped, and a TCP proxy in front of PostgreSQL that may be cut or
 * blackholed.
 * The machine's shared Redis and PostgreSQL are never stopped.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { freePort } from './harness.js'
import { spawnServer } from './processes.js'

export { REDIS_URL, probeRedis, privateRedis, redisServerInstalled } from '../../../packages/adapter-redis/test/private-redis.js'

/** Polls `check` every 25 ms until it is true or `deadlineMs` passed; returns the last outcome. */
export async function until(check: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs
  for (;;) {
    if (await check().catch(() => false)) return true
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 25))
  }
}

export type { ServerProcess as OpsServerProcess } from './processes.js'

/** Spawns `server.ts` with `env` on `port` (so several processes can share one issuer). */
export const spawnServerOnPort = (env: Record<string, string>, port: number) => spawnServer(env, { port })

/**
 * A TCP proxy to PostgreSQL that a test can cut (refusing and dropping connections) and restore, or
 * blackhole: connections stay open but every byte in either direction is dropped (a network
 * partition, lost packets), until `resume()`.
 */
export async function pgProxy(target = { host: '127.0.0.1', port: 5432 }) {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let blackholed = false
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
      // Forwarded by hand rather than piped, so that a blackhole can drop bytes without closing anything.
      client.on('data', (chunk: Buffer) => void (blackholed || upstream.write(chunk)))
      upstream.on('data', (chunk: Buffer) => void (blackholed || client.write(chunk)))
      client.on('end', () => upstream.end())
      upstream.on('end', () => client.end())
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
    /** From now on, drop every byte (both directions) while keeping every connection open. */
    blackhole() {
      blackholed = true
    },
    /** Forward again (bytes dropped meanwhile stay lost). */
    resume() {
      blackholed = false
    },
  }
}
