/**
 * `npm run migrate`: applies pending migrations to the configured database (PostgreSQL when
 * `DATABASE_URL` is set, else the embedded PGlite directory) and exits. The server also migrates
 * automatically at start.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createPgliteStorage, createPostgresStorage } from '@sentryagent/adapter-postgres'
import { loadConfig } from './config.js'

const config = loadConfig()
await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
const storage =
  config.databaseUrl === undefined
    ? await createPgliteStorage({ dataDir: join(config.dataDir, 'pglite') })
    : await createPostgresStorage({
        connectionString: config.databaseUrl,
        ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
      })
await storage.close()
process.stdout.write(`Migrations applied (${config.databaseUrl === undefined ? 'PGlite' : 'PostgreSQL'}).\n`)
