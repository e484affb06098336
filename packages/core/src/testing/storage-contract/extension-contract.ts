/**
 * The storage-extension contract: a plugin's table is written in the same transaction as core's
 * writes and its audit event, and rolled back with them. Every adapter runs it with
 * {@link contractStorageExtension} installed (adapters add their own half, e.g. PostgreSQL's).
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import { useFixture } from '../fixture.js'
import type { Storage } from '../../ports/storage.js'
import type { MemoryJournal, StorageExtension } from '../../ports/storage-extension.js'
import { auditLink, newAgent, newOrganization } from './records.js'

/** One note of the contract extension's table. */
export interface ContractNote {
  organizationId: string
  noteId: string
  text: string
}

/** The repository the contract extension's table must offer, in every adapter. */
export interface ContractNoteRepository {
  insert(note: ContractNote): Promise<void>
  /** Notes of one organization, ordered by `noteId`. */
  list(organizationId: string): Promise<ContractNote[]>
}

// No `declare module … { interface StorageExtensions { contract: … } }` here: an augmentation inside
// core either competes with the ones plugins make through '@sentryagent/core' (TypeScript then keeps
// only one of them) or, through the index, breaks the bundled declarations of this entry point.
// `contractRepo()` types the repository instead.

/** The id of the contract extension; adapters' halves must use it. */
export const CONTRACT_EXTENSION_ID = 'contract'

/**
 * The contract extension with its memory half. Adapters spread it and add their own half:
 * `{ ...contractStorageExtension, postgres: { migrations, repository } }`.
 */
export const contractStorageExtension = {
  id: CONTRACT_EXTENSION_ID,
  memory: () => {
    const notes = new Map<string, ContractNote>()
    return (journal: MemoryJournal): ContractNoteRepository => ({
      async insert(note) {
        if (notes.has(note.noteId)) throw new Error('duplicate note')
        notes.set(note.noteId, { ...note })
        journal(() => notes.delete(note.noteId))
      },
      async list(organizationId) {
        return [...notes.values()]
          .filter((n) => n.organizationId === organizationId)
          .sort((a, b) => (a.noteId < b.noteId ? -1 : 1))
          .map((n) => ({ ...n }))
      },
    })
  },
} satisfies StorageExtension<'contract'>

/** `ext('contract')` of a storage or transaction, typed. */
export function contractRepo(s: { ext: Storage['ext'] }): ContractNoteRepository {
  return (s.ext as (id: string) => unknown)(CONTRACT_EXTENSION_ID) as ContractNoteRepository
}

/** A storage created with the contract extension installed. */
export interface ExtensionFixture {
  storage: Storage
  teardown(): Promise<void>
}

/**
 * Registers the storage-extension contract. `setup` must return an isolated storage created with
 * the `contract` extension (its memory half from {@link contractStorageExtension}, plus the
 * adapter's own half).
 *
 * @example
 * describeStorageExtensionContract('memory', async () => {
 *   const storage = createMemoryStorage({ extensions: [contractStorageExtension] })
 *   return { storage, teardown: () => storage.close() }
 * })
 */
export function describeStorageExtensionContract(name: string, setup: () => Promise<ExtensionFixture>): void {
  describe(`${name}: storage extension contract`, () => {
    const current = useFixture('storage extension contract', setup)
    const storage = (): Storage => current().storage

    it('serves the extension as tx.ext(id), inside and outside transactions', async () => {
      const org = newOrganization()
      await storage().transaction(async (tx) => {
        await contractRepo(tx).insert({ organizationId: org.organizationId, noteId: 'n1', text: 'in tx' })
        // Reads inside the transaction see its own writes.
        expect(await contractRepo(tx).list(org.organizationId)).toHaveLength(1)
      })
      await contractRepo(storage()).insert({ organizationId: org.organizationId, noteId: 'n2', text: 'direct' })
      expect(await contractRepo(storage()).list(org.organizationId)).toStrictEqual([
        { organizationId: org.organizationId, noteId: 'n1', text: 'in tx' },
        { organizationId: org.organizationId, noteId: 'n2', text: 'direct' },
      ])
    })

    it("commits the extension's row with core's writes and the audit event", async () => {
      const org = newOrganization()
      await storage().transaction(async (tx) => {
        await tx.organizations.insert(org)
        await contractRepo(tx).insert({ organizationId: org.organizationId, noteId: 'kept', text: 'x' })
        await tx.audit.append(org.organizationId, auditLink(org.organizationId, { action: 'contract.noted' }))
      })
      expect(await storage().organizations.find(org.organizationId)).not.toBeNull()
      expect(await contractRepo(storage()).list(org.organizationId)).toHaveLength(1)
      expect(await storage().audit.head(org.organizationId)).toMatchObject({ seq: 1 })
    })

    it("rolls the extension's row back with core's writes and the audit event when work throws", async () => {
      const org = newOrganization()
      const agent = newAgent(org.organizationId)
      const boom = new Error('boom')
      await expect(
        storage().transaction(async (tx) => {
          await tx.organizations.insert(org)
          await tx.agents.insert(agent)
          await contractRepo(tx).insert({ organizationId: org.organizationId, noteId: 'gone', text: 'x' })
          await tx.audit.append(org.organizationId, auditLink(org.organizationId, { action: 'contract.noted' }))
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await contractRepo(storage()).list(org.organizationId)).toStrictEqual([])
      expect(await storage().organizations.find(org.organizationId)).toBeNull()
      expect(await storage().agents.find(org.organizationId, agent.agentId)).toBeNull()
      expect(await storage().audit.head(org.organizationId)).toBeNull()
    })

    it('rolls back core and the audit event when the extension itself fails', async () => {
      const org = newOrganization()
      await contractRepo(storage()).insert({ organizationId: org.organizationId, noteId: 'dup', text: 'first' })
      await expect(
        storage().transaction(async (tx) => {
          await tx.organizations.insert(org)
          await tx.audit.append(org.organizationId, auditLink(org.organizationId))
          await contractRepo(tx).insert({ organizationId: org.organizationId, noteId: 'dup', text: 'second' })
        }),
      ).rejects.toBeDefined()
      expect(await storage().organizations.find(org.organizationId)).toBeNull()
      expect(await storage().audit.head(org.organizationId)).toBeNull()
      expect(await contractRepo(storage()).list(org.organizationId)).toStrictEqual([{ organizationId: org.organizationId, noteId: 'dup', text: 'first' }])
    })

    it('refuses an extension that is not installed with CONFIG_INVALID', async () => {
      expect(() => storage().ext('not-installed' as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
    })
  })
}
