/**
 * The reference server's `SecretStore` (plugins' small secrets, e.g. webhook signing secrets):
 * Vault KV v2 when Vault is configured; otherwise the server's own database, each value sealed
 * with AES-256-GCM under a key derived (HKDF-SHA256) from the master key — so secrets survive a
 * restart and are shared by every process on the database, and the database alone does not
 * reveal them.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import type { PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import { createVaultSecretStore } from '@sentryagent/adapter-vault'
import type { MemoryJournal, SecretStore, Storage } from '@sentryagent/core'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { OpsConfig } from './ops-config.js'

interface SealedRepository {
  get(name: string): Promise<string | null>
  put(name: string, sealed: string): Promise<void>
  delete(name: string): Promise<void>
}


declare module '@sentryagent/core' {
  interface StorageExtensions {
    'server-secrets': SealedRepository
  }
}

type Tables = { server_secrets: { name: string; sealed: string } }

function kyselyRepository(db: Kysely<Tables>): SealedRepository {
  return {
    async get(name) {
      const row = await db.selectFrom('server_secrets').select('sealed').where('name', '=', name).executeTakeFirst()
      return row?.sealed ?? null
    },
    async put(name, sealed) {
      await db.insertInto('server_secrets').values({ name, sealed }).onConflict((oc) => oc.column('name').doUpdateSet({ sealed })).execute()
    },
    async delete(name) {
      await db.deleteFrom('server_secrets').where('name', '=', name).execute()
    },
  }
}

function memoryRepository(): (journal: MemoryJournal) => SealedRepository {
  const rows = new Map<string, string>()
  return (journal) => ({
    async get(name) {
      return rows.get(name) ?? null
    },
    async put(name, sealed) {
      const before = rows.get(name)
      rows.set(name, sealed)
      journal(() => (before === undefined ? rows.delete(name) : rows.set(name, before)))
    },
    async delete(name) {
      const before = rows.get(name)
      rows.delete(name)
      journal(() => (before === undefined ? undefined : rows.set(name, before)))
    },
  })
}

/** The table of sealed secrets (installed with the storage, whatever plugins are selected). */
export const serverSecretsStorage = {
  id: 'server-secrets',
  memory: memoryRepository,
  postgres: {
    migrations: {
      '0001-server-secrets': {
        async up(db: Kysely<unknown>) {
          await db.schema
            .createTable('server_secrets')
            .addColumn('name', 'text', (c) => c.primaryKey())
            .addColumn('sealed', 'text', (c) => c.notNull())
            .execute()
        },
      },
    },
    repository: (db: Kysely<object>) => kyselyRepository(db.withTables<Tables>()),
  },
} satisfies PostgresStorageExtension<'server-secrets'>

/** A SecretStore in the database, sealed under a key derived from `masterKey`. */
export function createSealedSecretStore(storage: Storage, masterKey: string): SecretStore {
  const key = Buffer.from(hkdfSync('sha256', masterKey, 'agentidp', 'server-secrets v1', 32))
  const repo = () => storage.ext('server-secrets')
  return {
    async get(name) {
      const sealed = await repo().get(name)
      if (sealed === null) return null
      const raw = Buffer.from(sealed, 'base64')
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      decipher.setAAD(Buffer.from(name))
      decipher.setAuthTag(raw.subarray(12, 28))
      return new Uint8Array(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]))
    },
    async put(name, value) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(name))
      const body = Buffer.concat([cipher.update(value), cipher.final()])
      await repo().put(name, Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'))
    },
    async delete(name) {
      await repo().delete(name)
    },
  }
}

/** Vault KV when configured, else the sealed store in the database. */
export function createServerSecretStore(ops: OpsConfig, storage: Storage, masterKey: string, log: Logger): SecretStore {
  if (ops.vault === undefined) return createSealedSecretStore(storage, masterKey)
  return createVaultSecretStore({
    vault: {
      address: ops.vault.address,
      auth: ops.vault.auth,
      namespace: ops.vault.namespace,
      timeoutMs: ops.vault.timeoutMs,
      retries: ops.vault.retries,
      logger: log.child({ component: 'vault' }),
    },
    mount: ops.vault.kvMount,
  })
}
