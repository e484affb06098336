/**
 * Worker-thread entry of {@link openPgliteWorker}: this thread owns the PGlite database (its
 * WebAssembly runs here, off the server's event loop) and runs the statements it is sent, one at
 * a time, in the order they arrive. It imports nothing but PGlite and Node, so that it runs the
 * same from the sources and from the build.
 *
 * Messages in: `{ id, sql, params }`, `{ id, exec }` (statements without parameters, simple protocol) and `{ id, close: true }`. Out: `{ ready: true }` or
 * `{ ready: false, error }` once, then `{ id, rows, affectedRows }` or `{ id, error }` per message.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'

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

interface Request {
  id: number
  sql?: string
  params?: unknown[]
  exec?: string
  close?: boolean
}

async function main(): Promise<void> {
  const port = parentPort
  if (port === null) throw new Error('pglite-worker must run in a worker thread')
  const { dataDir } = workerData as { dataDir: string | undefined }
  let db: PGlite
  try {
    db = new PGlite(dataDir)
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
        const result = await db.query(msg.sql ?? '', msg.params ?? [])
        port.postMessage({ id: msg.id, rows: result.rows, affectedRows: result.affectedRows })
      } catch (err) {
        port.postMessage({ id: msg.id, error: serializeError(err) })
      }
    })
  })
  port.postMessage({ ready: true })
}

await main()
