/**
 * Test helpers: the shared Redis (`REDIS_URL`, default 127.0.0.1:6379) and a private
 * `redis-server` on a random port that a test may stop and restart without disturbing anyone.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { serviceReachable } from '@sentryagent/core/testing'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** Resolves when the shared Redis answers PING. */
export async function probeRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await client.connect()
    await client.ping()
  } finally {
    client.disconnect()
  }
}

/**
 * Whether a `redis-server` binary is installed, for tests that run a private one: skipped on a
 * machine without it, a failure under CI=true (like every service probe).
 */
export const redisServerInstalled = await serviceReachable('redis-server binary', () => promisify(execFile)('redis-server', ['--version']))

/** A random key prefix isolating one test. */
export const randomPrefix = (): string => `test:${randomBytes(6).toString('hex')}:`

/** Deletes every key under `prefix` (SCAN, not KEYS; the prefix is hex, so it holds no glob characters). */
export async function dropPrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await client.del(...keys)
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address()
      srv.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

/** A private redis-server that can be stopped and started again on the same port. */
export interface PrivateRedis {
  readonly url: string
  start(): Promise<void>
  stop(): Promise<void>
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const ping = async () => {
    const c = new Redis({ port, lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null })
    c.on('error', () => undefined)
    try {
      await c.connect()
      await c.ping()
      return true
    } catch {
      return false
    } finally {
      c.disconnect()
    }
  }
  const handle: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      const until = Date.now() + 10_000
      while (!(await ping())) {
        if (Date.now() > until) throw new Error('private redis-server did not start')
        await new Promise((r) => setTimeout(r, 50))
      }
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
