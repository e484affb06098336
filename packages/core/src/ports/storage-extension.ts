/**
 * Storage extensions: a plugin's own tables, written in the same transactions as core's. Core
 * defines the generic part (an id and the in-memory half); each adapter defines and reads its own
 * half (`@sentryagent/adapter-postgres` reads `postgres`: kysely migrations run by the extension's
 * own `Migrator`, and a repository factory over kysely shared by pg and PGlite). A storage created
 * with an extension serves its repository as `tx.ext(id)`, typed by declaration merging:
 *
 * ```ts
 * declare module '@sentryagent/core' {
 *   interface StorageExtensions { webhooks: WebhookRepository }
 * }
 * ```
 *
 * @module
 */

/**
 * Repositories of storage extensions, by extension id. Empty in core; each plugin merges its own
 * entry in, which types `tx.ext(id)`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface StorageExtensions {}

/**
 * Records how to undo one in-memory write. The memory storage hands a journal to every
 * transaction and replays it backwards when the work throws; outside transactions it ignores it.
 */
export type MemoryJournal = (undo: () => void) => void

/** The repository type of extension `K` (from {@link StorageExtensions}), or `unknown` for an unregistered id. */
export type ExtensionRepository<K extends string> = K extends keyof StorageExtensions ? StorageExtensions[K] : unknown

/**
 * A plugin's storage. `memory` creates fresh state for one `createMemoryStorage()` and returns the
 * factory of repositories over it: the factory is called with a journal for every transaction (each
 * write must journal its undo) and once with a no-op journal for access outside transactions.
 * Adapters read their own halves from the same object (adapter-postgres: `postgres`).
 *
 * @example
 * export const notesStorage = {
 *   id: 'notes',
 *   memory: () => {
 *     const rows = new Map<string, Note>()
 *     return (journal) => ({
 *       async insert(note) { rows.set(note.id, note); journal(() => rows.delete(note.id)) },
 *       async find(orgId, id) { const n = rows.get(id); return n?.organizationId === orgId ? n : null },
 *     })
 *   },
 *   postgres: { migrations: { '0001-notes': createNotes }, repository: (db) => notesRepository(db.withTables<NotesDb>()) },
 * } satisfies StorageExtension<'notes'> & PostgresStorageExtension<'notes'>
 */
export interface StorageExtension<K extends string = string> {
  /** The extension id; also the key of `tx.ext(id)` and the prefix of its migration table. */
  readonly id: K
  /** The in-memory half (development default and tests); required by `createMemoryStorage()`. */
  memory?(): (journal: MemoryJournal) => ExtensionRepository<K>
}
