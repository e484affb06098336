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
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { assertDataDirVersion, localDataDir, resolveSharedBuffers } from './internal/pglite-data-dir.js'
import type { PgliteInitCommand } from './pglite-start.js'

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

/** Options of {@link openPgliteWorker}. */
export interface PgliteWorkerOptions {
  /**
   * PostgreSQL's `shared_buffers`: a size with kB, MB or GB. Every buffer the database touches
   * stays resident; PostgreSQL's own default is 128MB. @default '16MB'
   */
  sharedBuffers?: string | undefined
}

const fromSources = import.meta.url.endsWith('.ts')
const workerEntry = new URL(`./pglite-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url)

/**
 * How to run the worker's entry as a process (it creates a new data directory's database, see
 * `initializeDataDir`): the built file as is; from the sources, with tsx's loader imported first.
 */
export function pgliteInitCommand(): PgliteInitCommand {
  const entry = fileURLToPath(workerEntry)
  if (!fromSources) return { execArgv: [], entry }
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href
  return { execArgv: ['--import', loader], entry }
}

/** The bundled source entry, built once per process. */
let sourceEntry: URL | undefined

/** The part of esbuild's API used here. */
interface EsbuildBuildSync {
  buildSync(options: Record<string, unknown> & { write: false }): { outputFiles: readonly { text: string }[] }
}

/**
 * From the sources, the worker's entry (TypeScript) as one ES module: bundled by esbuild (tsx's, so
 * nothing more than tsx is needed), PGlite imported by its absolute URL, as a `data:` URL. The
 * thread then runs without tsx: its loader (a hooks thread, esbuild and their modules) would cost
 * the thread about 60 MiB of memory for two files.
 */
function sourceWorkerEntry(): URL {
  if (sourceEntry !== undefined) return sourceEntry
  const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as EsbuildBuildSync
  // Imported as the built entry imports them (PGlite's ES module build; pg's CommonJS module, which
  // a `data:` module could not `require` from within).
  const packages = { '@electric-sql/pglite': import.meta.resolve('@electric-sql/pglite'), 'pg/lib/utils.js': import.meta.resolve('pg/lib/utils.js') }
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [fileURLToPath(workerEntry)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: Object.keys(packages),
    write: false,
  })
  let code = outputFiles[0]?.text ?? ''
  for (const [name, url] of Object.entries(packages)) code = code.replaceAll(JSON.stringify(name), JSON.stringify(url))
  sourceEntry = new URL(`data:text/javascript,${encodeURIComponent(code)}`)
  return sourceEntry
}

/**
 * The worker's JavaScript only carries statements and rows between the two threads; all of them
 * die young. V8's default young generation (3 × 16 MiB semi-spaces) let the thread hold ~50 MiB
 * more under load for no measurable throughput (`bench/results/latest.md`).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 }

/**
 * Starts the worker entry next to this module: `pglite-worker.js` when built; from the sources
 * (tests, `--import tsx`), `pglite-worker.ts` bundled to JavaScript (see {@link sourceWorkerEntry}),
 * without the parent's Node options (its `--import tsx`).
 */
function startWorker(workerData: Record<string, unknown>): Worker {
  if (!fromSources) return new Worker(workerEntry, { workerData, resourceLimits: WORKER_LIMITS })
  return new Worker(sourceWorkerEntry(), { workerData, execArgv: [], resourceLimits: WORKER_LIMITS })
}

/**
 * Starts a worker thread owning a PGlite database at `dataDir` (in memory when `undefined`).
 * `waitReady` rejects when the database cannot be opened. A new data directory's database is
 * created by a short-lived child process first, so that the memory initdb takes is returned.
 * PostgreSQL runs with fsync on and `shared_buffers` from the options.
 *
 * @example
 * const pglite = openPgliteWorker('./data/pglite')
 * await pglite.waitReady
 *
 * @throws {IdpError} CONFIG_INVALID for an invalid `sharedBuffers`, or a data directory of another
 *   PostgreSQL major version (PGlite 0.3's PostgreSQL 17), which is left untouched.
 */
export function openPgliteWorker(dataDir: string | undefined, options: PgliteWorkerOptions = {}): PgliteWorkerHandle {
  const sharedBuffers = resolveSharedBuffers(options.sharedBuffers)
  const localDir = dataDir === undefined ? undefined : localDataDir(dataDir)
  if (localDir !== undefined) assertDataDirVersion(localDir)
  const worker = startWorker({ dataDir, localDir, sharedBuffers, init: pgliteInitCommand() })
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
