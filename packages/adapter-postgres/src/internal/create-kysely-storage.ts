/**
 * Assembles the port from the repositories over one `Kysely<Database>`; both factories (pg and
 * PGlite) end here, so every query is shared.
 *
 * @module
 */
import { IdpError, type Storage, type StorageTx } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { createAgentRepository } from '../repositories/agent-repository.js'
import { createAgentKeyRepository } from '../repositories/agent-key-repository.js'
import { createMarketplaceRepository } from '../repositories/marketplace-repository.js'
import { createAuditCheckpointRepository } from '../repositories/audit-checkpoint-repository.js'
import { createAuditHeadHints, createAuditRepository, type AuditHeadHints } from '../repositories/audit-repository.js'
import { createAuditConsumerRepository } from '../repositories/audit-consumer-repository.js'
import { createJobRunRepository } from '../repositories/job-run-repository.js'
import type { PostgresStorageExtension } from '../postgres-storage-extension.js'
import { createCredentialRepository } from '../repositories/credential-repository.js'
import { createDelegationRepository } from '../repositories/delegation-repository.js'
import { createMemberRepository } from '../repositories/member-repository.js'
import { createOrganizationRepository } from '../repositories/organization-repository.js'
import { createRevocationRepository } from '../repositories/revocation-repository.js'
import { createSigningKeyRepository } from '../repositories/signing-key-repository.js'
import { callerCode, guard } from './storage-errors.js'

function repositories(db: Kysely<Database>, extensions: ReadonlyMap<string, PostgresStorageExtension>, hints: AuditHeadHints): StorageTx {
  const extensionRepos = new Map<string, unknown>()
  return Object.freeze({
    ext(id: string) {
      let repo = extensionRepos.get(id)
      if (repo === undefined) {
        const ext = extensions.get(id)
        if (ext === undefined) {
          throw new IdpError('CONFIG_INVALID', `Storage extension ${id} is not installed: pass it to the storage factory's extensions`)
        }
        // The extension sees the same connection: the pool, or the transaction core is in.
        repo = ext.postgres.repository(db as unknown as Kysely<object>)
        extensionRepos.set(id, repo)
      }
      return repo as never
    },
    auditConsumers: createAuditConsumerRepository(db),
    jobRuns: createJobRunRepository(db),
    organizations: createOrganizationRepository(db),
    members: createMemberRepository(db),
    agents: createAgentRepository(db),
    agentKeys: createAgentKeyRepository(db),
    marketplace: createMarketplaceRepository(db),
    credentials: createCredentialRepository(db),
    signingKeys: createSigningKeyRepository(db),
    revocations: createRevocationRepository(db),
    delegations: createDelegationRepository(db),
    audit: createAuditRepository(db, hints),
    auditCheckpoints: createAuditCheckpointRepository(db),
  })
}

/**
 * A `Storage` over `db`. `close` releases whatever the factory owns (the pool or PGlite it
 * created); it runs once however often `close()` is called.
 */
export function createKyselyStorage(
  db: Kysely<Database>,
  close: () => Promise<void>,
  extensions: ReadonlyMap<string, PostgresStorageExtension> = new Map(),
): Storage {
  let closing: Promise<void> | undefined
  const hints = createAuditHeadHints()
  return Object.freeze({
    ...repositories(db, extensions, hints),

    transaction: <T>(work: (tx: StorageTx) => Promise<T>): Promise<T> =>
      // `work`'s own errors are rethrown as they are (after rollback); begin/commit failures are mapped.
      guard(() => db.transaction().execute((trx) => callerCode(() => work(repositories(trx, extensions, hints))))),

    ping: () =>
      guard(async () => {
        await sql`select 1`.execute(db)
      }),

    close: () => {
      closing ??= close()
      return closing
    },
  })
}

/**
 * Validates storage extensions for a kysely storage: each needs its `postgres` half, once.
 * @throws {IdpError} CONFIG_INVALID listing every problem
 */
export function extensionMap(extensions: readonly PostgresStorageExtension[] | undefined): Map<string, PostgresStorageExtension> {
  const map = new Map<string, PostgresStorageExtension>()
  const problems: string[] = []
  for (const ext of extensions ?? []) {
    if (map.has(ext.id)) problems.push(`storage extension ${ext.id} is given twice`)
    else if (typeof ext.postgres?.repository !== 'function') problems.push(`storage extension ${ext.id} has no postgres half`)
    else map.set(ext.id, ext)
  }
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  return map
}
