/**
 * Checks of an embedded database's data directory and settings before PGlite opens it.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { IdpError } from '@sentryagent/core'
import { DEFAULT_PGLITE_SHARED_BUFFERS, PGLITE_PG_MAJOR, SHARED_BUFFERS_PATTERN } from '../pglite-start.js'

/** Where the upgrade from a PostgreSQL 17 data directory is described. */
export const PGLITE_UPGRADE_DOCS = 'docs/quick-start.md, "Upgrading the embedded database"'

/**
 * The directory on the local filesystem behind a PGlite `dataDir`: the path itself, or the path of
 * a `file://` one; `undefined` for PGlite's other stores (`memory://`, `idb://`, `opfs-ahp://`).
 */
export function localDataDir(dataDir: string): string | undefined {
  if (dataDir.startsWith('file://')) return dataDir.slice('file://'.length)
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) ? undefined : dataDir
}

/**
 * Throws when `dataDir` holds a database of another PostgreSQL major version than PGlite's (the
 * directories PGlite 0.3, PostgreSQL 17, wrote): PostgreSQL cannot open those, and the directory
 * must not be touched. A missing directory or one without `PG_VERSION` is a new database.
 *
 * @throws {IdpError} CONFIG_INVALID naming the version found and the way to upgrade.
 */
export function assertDataDirVersion(dataDir: string): void {
  let version: string
  try {
    version = readFileSync(`${dataDir}/PG_VERSION`, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return
    throw new IdpError('DEPENDENCY_UNAVAILABLE', `The embedded database's version cannot be read in ${dataDir}`, { cause: err })
  }
  if (version === PGLITE_PG_MAJOR) return
  throw new IdpError(
    'CONFIG_INVALID',
    `The embedded database in ${dataDir} was created by PostgreSQL ${version}` +
      (version === '17' ? ' (PGlite 0.3, @sentryagent/adapter-postgres 0.1)' : '') +
      `, and this version embeds PostgreSQL ${PGLITE_PG_MAJOR}, which cannot open it. The directory was left untouched. ` +
      `Export its data with the previous version and import it into a new directory, or move it aside to start empty (see ${PGLITE_UPGRADE_DOCS})`,
  )
}

/**
 * `sharedBuffers` checked (a positive integer with kB, MB or GB), or the default.
 *
 * @throws {IdpError} CONFIG_INVALID for any other value.
 */
export function resolveSharedBuffers(sharedBuffers: string | undefined): string {
  if (sharedBuffers === undefined) return DEFAULT_PGLITE_SHARED_BUFFERS
  if (!SHARED_BUFFERS_PATTERN.test(sharedBuffers)) {
    throw new IdpError('CONFIG_INVALID', `sharedBuffers must be a size such as 16MB (an integer with kB, MB or GB), not ${JSON.stringify(sharedBuffers)}`)
  }
  return sharedBuffers
}
