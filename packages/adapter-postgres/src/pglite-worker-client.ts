/**
 * PGlite in a worker thread: the thread owns the database and runs its WebAssembly, so that the
 * server's event loop (HTTP, signing, hashing) no longer stalls while PostgreSQL executes a
 * statement. The handle speaks the part of PGlite's interface the kysely dialect uses (`query`,
 * `waitReady`, `closed`, `close`) over a message channel; the dialect's mutex still hands the one
 * connection to one transaction at a time, and the worker runs statements in arrival order.
 *
 * A driver error crosses the thread as plain data and is rebuilt with its SQLSTATE fields, so the
 * storage-error mapping is the same as in process. If the thread dies, every pending and later
 * statement fails (`DEPENDENCY_UNAVAILABLE` for the storage).
 *
 * @module
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/** What the kysely dialect needs of a PGlite instance. */
export interface PgliteQueryable {
  readonly waitReady: Promise<void>
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>
  /** Runs statements without parameters over the simple protocol (transaction control): cheaper than `query`. */
  exec(sql: string): Promise<unknown>
}

/** A PGlite database owned by a worker thread. */
export interface PgliteWorkerHandle extends PgliteQueryable {
  readonly closed: boolean
  /** Closes the database (a clean PostgreSQL shutdown in the thread) and ends the thread. */
  close(): Promise<void>
}

interface Reply {
  id?: number
  ready?: boolean
  rows?: unknown[]
  affectedRows?: number
  error?: Record<string, unknown>
}

/** An error thrown in the worker, rebuilt with its fields (`code`, `severity`, `constraint`…). */
class PgliteWorkerError extends Error {
  constructor(fields: Record<string, unknown>) {
    super(typeof fields['message'] === 'string' ? fields['message'] : 'PGlite worker error')
    this.name = typeof fields['name'] === 'string' ? fields['name'] : 'PgliteWorkerError'
    for (const [k, v] of Object.entries(fields)) if (k !== 'message' && k !== 'name' && k !== 'stack') Object.assign(this, { [k]: v })
  }
}

/**
 * Starts the worker entry next to this module: `pglite-worker.js` when built; from the sources
 * (tests, `--import tsx`), `pglite-worker.ts` through tsx's loader, registered in the new thread
 * (loader hooks of the parent thread do not carry over to workers).
 */
function startWorker(dataDir: string | undefined): Worker {
  const fromSources = import.meta.url.endsWith('.ts')
  const entry = new URL(`./pglite-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url)
  if (!fromSources) return new Worker(entry, { workerData: { dataDir } })
  // tsx's ESM API (`tsx/esm/api`, its ES module build) registers the loader in the new thread.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData: { dataDir } })
}

/**
 * Starts a worker thread owning a PGlite database at `dataDir` (in memory when `undefined`).
 * `waitReady` rejects when the database cannot be opened.
 *
 * @example
 * const pglite = openPgliteWorker('./data/pglite')
 * await pglite.waitReady
 */
export function openPgliteWorker(dataDir: string | undefined): PgliteWorkerHandle {
  const worker = startWorker(dataDir)
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (err: unknown) => void }>()
  let nextId = 1
  let closed = false
  let dead: Error | undefined
  let exited = false
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()))

  const failAll = (err: Error) => {
    dead ??= err
    for (const p of pending.values()) p.reject(dead)
    pending.clear()
  }

  const waitReady = new Promise<void>((resolve, reject) => {
    const onFirst = (msg: Reply) => {
      if (msg.ready === true) resolve()
      else reject(new PgliteWorkerError(msg.error ?? { message: 'PGlite worker failed to start' }))
    }
    worker.once('message', (msg: Reply) => {
      onFirst(msg)
      worker.on('message', (reply: Reply) => {
        if (reply.id === undefined) return
        const p = pending.get(reply.id)
        if (p === undefined) return
        pending.delete(reply.id)
        p.resolve(reply)
      })
    })
    worker.once('error', (err) => {
      reject(err)
      failAll(err)
    })
    worker.once('exit', (code) => {
      exited = true
      const err = new Error(`PGlite worker exited (code ${code})`)
      reject(err)
      failAll(err)
    })
  })
  // Observed here so that a failed start is not an unhandled rejection before anyone awaits it.
  waitReady.catch(() => undefined)

  const send = async (msg: { sql?: string; params?: unknown[]; exec?: string; close?: boolean }): Promise<Reply> => {
    await waitReady
    if (dead !== undefined) throw dead
    const id = nextId++
    return new Promise<Reply>((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, ...msg })
    })
  }

  return {
    waitReady,
    get closed() {
      return closed
    },
    async query<T>(sql: string, params: unknown[] = []) {
      if (closed) throw new Error('PGlite is closed')
      const reply = await send({ sql, params })
      if (reply.error !== undefined) throw new PgliteWorkerError(reply.error)
      return { rows: (reply.rows ?? []) as T[], ...(reply.affectedRows === undefined ? {} : { affectedRows: reply.affectedRows }) }
    },
    async exec(sql: string) {
      if (closed) throw new Error('PGlite is closed')
      const reply = await send({ exec: sql })
      if (reply.error !== undefined) throw new PgliteWorkerError(reply.error)
    },
    async close() {
      if (closed) return
      closed = true
      try {
        const started = await waitReady.then(
          () => true,
          () => false,
        )
        if (started && !exited && dead === undefined) {
          const reply = await send({ close: true })
          if (reply.error !== undefined) throw new PgliteWorkerError(reply.error)
        }
      } finally {
        if (!exited) await worker.terminate()
        await exit
      }
    },
  }
}
