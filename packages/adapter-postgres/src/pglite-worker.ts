/**
 * Worker-thread entry of {@link openPgliteWorker}: this thread owns the PGlite database (its
 * WebAssembly runs here, off the server's event loop) and runs the statements it is sent, one at
 * a time, in the order they arrive. It imports nothing but PGlite, pg's parameter encoding, Node and
 * `./pglite-start.js`, so that it runs the same from the sources and from the build.
 *
 * A data directory without a database is first created by this same file run as a child process
 * (`node pglite-worker.js --initialize-data-dir <dir> <shared_buffers>`), see `initializeDataDir`.
 *
 * Messages in: `{ id, sql, params }`, `{ id, exec }` (statements without parameters, simple protocol) and `{ id, close: true }`. Out: `{ ready: true }` or
 * `{ ready: false, error }` once, then `{ id, rows, affectedRows }` or `{ id, error }` per message.
 *
 * @module
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { PGlite, parse, protocol } from '@electric-sql/pglite'
import pgUtils from 'pg/lib/utils.js'
import { hasDatabase, initializeDataDir, INIT_ARGUMENT, pgliteStartParams, type PgliteInitCommand } from './pglite-start.js'

/** The fields of a driver error that storage-error mapping reads (SQLSTATE and its context). */
const ERROR_FIELDS = ['code', 'severity', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine'] as const

/** A driver error as plain data (class instances do not cross threads with their fields). */
function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) }
  const out: Record<string, unknown> = { message: err.message, name: err.name }
  for (const field of ERROR_FIELDS) {
    const value = (err as unknown as Record<string, unknown>)[field]
    if (typeof value === 'string') out[field] = value
  }
  return out
}

/**
 * A statement with parameters as one extended-protocol exchange (Parse, Bind, Describe, Execute,
 * Sync), handed to PostgreSQL in a single call, as `pg` sends it over a socket. `PGlite.query()`
 * makes six calls into the WebAssembly for the same statement (it first asks the server for the
 * parameters' types); one call costs about 40 % less per statement. Parameters are encoded by
 * `pg`'s own `prepareValue` (text, or binary for byte arrays, types inferred by the server), so the
 * embedded database receives exactly what PostgreSQL receives from the `pg` pool; rows are decoded
 * by PGlite's parsers, as `query()` decodes them.
 */
function extendedQuery(sql: string, params: readonly unknown[]): Uint8Array {
  const { serialize } = protocol
  return Buffer.concat([
    serialize.parse({ text: sql }),
    serialize.bind({ values: params.map((value) => pgUtils.prepareValue(value)) }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ])
}

interface Request {
  id: number
  sql?: string
  params?: unknown[]
  exec?: string
  close?: boolean
}

/** What {@link openPgliteWorker} hands the thread. */
interface WorkerData {
  dataDir: string | undefined
  /** `dataDir` on the local filesystem (`undefined` in memory): created first when it holds no database. */
  localDir: string | undefined
  sharedBuffers: string
  init: PgliteInitCommand
}

/** Run as a child process: creates the database in a data directory, shuts it down cleanly, exits. */
async function initialize(dataDir: string, sharedBuffers: string): Promise<void> {
  const db = new PGlite(dataDir, { startParams: pgliteStartParams(PGlite.defaultStartParams, sharedBuffers) })
  await db.waitReady
  await db.close()
}

async function main(): Promise<void> {
  const port = parentPort
  if (port === null) throw new Error('pglite-worker must run in a worker thread')
  const { dataDir, localDir, sharedBuffers, init } = workerData as WorkerData
  let db: PGlite
  try {
    if (localDir !== undefined && !hasDatabase(localDir)) await initializeDataDir(init, localDir, sharedBuffers)
    db = new PGlite(dataDir, { startParams: pgliteStartParams(PGlite.defaultStartParams, sharedBuffers) })
    await db.waitReady
  } catch (err) {
    port.postMessage({ ready: false, error: serializeError(err) })
    return
  }
  // One statement at a time, in arrival order: the caller's mutex already serialises transactions.
  let chain: Promise<void> = Promise.resolve()
  port.on('message', (msg: Request) => {
    chain = chain.then(async () => {
      if (msg.close === true) {
        try {
          if (!db.closed) await db.close()
          port.postMessage({ id: msg.id, rows: [], affectedRows: undefined })
        } catch (err) {
          port.postMessage({ id: msg.id, error: serializeError(err) })
        }
        port.close()
        return
      }
      try {
        if (msg.exec !== undefined) {
          await db.exec(msg.exec)
          port.postMessage({ id: msg.id, rows: [], affectedRows: undefined })
          return
        }
        const { messages } = await db.execProtocol(extendedQuery(msg.sql ?? '', msg.params ?? []))
        const [result] = parse.parseResults(messages, db.parsers)
        port.postMessage({ id: msg.id, rows: result?.rows ?? [], affectedRows: result?.affectedRows })
      } catch (err) {
        port.postMessage({ id: msg.id, error: serializeError(err) })
      }
    })
  })
  port.postMessage({ ready: true })
}

if (isMainThread && process.argv[2] === INIT_ARGUMENT) {
  await initialize(process.argv[3] ?? '', process.argv[4] ?? '').catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  })
} else {
  await main()
}
