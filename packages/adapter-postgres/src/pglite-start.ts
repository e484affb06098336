/**
 * How PGlite's PostgreSQL is started, shared by the worker thread's entry and the in-process path:
 * PGlite's own start parameters, minus its `-F` (fsync off), plus our memory settings. Like the
 * worker's entry, this module imports nothing but Node (the entry bundles it, and runs it from the sources).
 *
 * @module
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** The PostgreSQL major version the installed PGlite runs; a data directory records its own in `PG_VERSION`. */
export const PGLITE_PG_MAJOR = '18'

/**
 * `shared_buffers` of the embedded database. PostgreSQL's default (128MB) is sized for a server
 * with many connections; the embedded database has one connection and a small working set, and
 * every buffer it touches stays resident. 16MB measured the same throughput (token issuance, the
 * reference server) at about 100 MiB less resident memory.
 */
export const DEFAULT_PGLITE_SHARED_BUFFERS = '16MB'

/**
 * `max_connections` of the embedded database. PGlite runs a single backend, but the value also
 * sizes the shared lock table (`max_locks_per_transaction` × connections): 16 leaves room for a
 * migration or a test reset that locks every table in one transaction, at a few MiB less than 100.
 */
export const PGLITE_MAX_CONNECTIONS = 16

/** A `shared_buffers` value as PostgreSQL writes it: a positive integer with kB, MB or GB. */
export const SHARED_BUFFERS_PATTERN = /^[1-9][0-9]{0,6}(kB|MB|GB)$/

/**
 * The start parameters for PGlite: `defaults` (PGlite's `defaultStartParams`) without `-F`, so that
 * PostgreSQL fsyncs as it does by default, then `-c` for `shared_buffers` and `max_connections`.
 */
export function pgliteStartParams(defaults: readonly string[], sharedBuffers: string): string[] {
  return [
    ...defaults.filter((param) => param !== '-F'),
    '-c',
    `shared_buffers=${sharedBuffers}`,
    '-c',
    `max_connections=${PGLITE_MAX_CONNECTIONS}`,
  ]
}

/** How to run the worker's entry as a process of its own: Node's arguments before the entry, and its path. */
export interface PgliteInitCommand {
  readonly execArgv: readonly string[]
  readonly entry: string
}

/** The argument that makes the entry initialise a data directory and exit (see {@link initializeDataDir}). */
export const INIT_ARGUMENT = '--initialize-data-dir'

/** Whether `dataDir` already holds a database (PostgreSQL writes `PG_VERSION` first thing). */
export function hasDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'))
}

/**
 * Creates the database in `dataDir` (PGlite's initdb) in a short-lived child process. PGlite 0.5
 * runs initdb in a second PostgreSQL instance and its own WebAssembly module; in the process that
 * then serves, that memory (about 500 MiB resident) is only returned when the garbage collector
 * gets to it, and a worker thread's exit leaves part of it behind. A process of its own returns
 * it all to the system when it exits.
 */
export async function initializeDataDir(command: PgliteInitCommand, dataDir: string, sharedBuffers: string): Promise<void> {
  const child = spawn(process.execPath, [...command.execArgv, command.entry, INIT_ARGUMENT, dataDir, sharedBuffers], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 8192) stderr += chunk
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode) => resolve(exitCode))
  })
  if (code !== 0) throw new Error(`Creating the embedded database in ${dataDir} failed (exit code ${code}): ${stderr.trim()}`)
}
