/**
 * The PostgreSQL half of core's contract storage extension (`contract`): its table, migration and
 * kysely repository, so that the storage-extension contract runs on PGlite and PostgreSQL.
 */
import { contractStorageExtension, type ContractNoteRepository } from '@sentryagent/core/testing'
import type { Kysely } from 'kysely'
import type { PostgresStorageExtension } from '../src/index.js'

type ContractTables = { contract_notes: { note_id: string; organization_id: string; text: string } }

function repository(db: Kysely<ContractTables>): ContractNoteRepository {
  return {
    async insert(note) {
      await db.insertInto('contract_notes').values({ note_id: note.noteId, organization_id: note.organizationId, text: note.text }).execute()
    },
    async list(organizationId) {
      const rows = await db.selectFrom('contract_notes').selectAll().where('organization_id', '=', organizationId).orderBy('note_id').execute()
      return rows.map((r) => ({ organizationId: r.organization_id, noteId: r.note_id, text: r.text }))
    },
  }
}

export const contractExtension = {
  ...contractStorageExtension,
  postgres: {
    migrations: {
      '0001-contract-notes': {
        async up(db: Kysely<unknown>) {
          await db.schema
            .createTable('contract_notes')
            .addColumn('note_id', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('text', 'text', (c) => c.notNull())
            .execute()
        },
      },
    },
    repository: (db: Kysely<object>) => repository(db.withTables<ContractTables>()),
  },
} satisfies PostgresStorageExtension<'contract'>
