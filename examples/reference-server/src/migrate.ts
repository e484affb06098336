/**
 * `npm run migrate`: applies pending migrations to the configured database (PostgreSQL when
 * `DATABASE_URL` is set, else the embedded PGlite directory) — core's and those of the plugins
 * `PLUGINS` selects — and exits. The server also migrates automatically at start.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createPgliteStorage, createPostgresStorage } from '@sentryagent/adapter-postgres'
import { loadConfig } from './config.js'
import { createLogger } from './logger.js'
import { createPlugins, KNOWN_PLUGINS } from './plugins.js'
import { serverSecretsStorage } from './secret-store.js'

const config = loadConfig()
const plugins = await createPlugins(config, createLogger(config.logLevel), KNOWN_PLUGINS)
const extensions = [serverSecretsStorage, ...plugins.flatMap((p) => (p.storage === undefined ? [] : [p.storage]))]
await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
const storage =
  config.databaseUrl === undefined
    ? await createPgliteStorage({ dataDir: join(config.dataDir, 'pglite'), extensions })
    : await createPostgresStorage({
        connectionString: config.databaseUrl,
        extensions,
        ...(config.databaseSchema === undefined ? {} : { schema: config.databaseSchema }),
      })
await storage.close()
process.stdout.write(`Migrations applied (${config.databaseUrl === undefined ? 'PGlite' : 'PostgreSQL'}).\n`)
