/**
 * Assembles the port from the repositories over one `Kysely<Database>`; both factories (pg and
 * PGlite) end here, so every query is shared.
 *
 * @module
 */
import type { Storage, StorageTx } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import { createAgentRepository } from '../repositories/agent-repository.js'
import { createAgentKeyRepository } from '../repositories/agent-key-repository.js'
import { createMarketplaceRepository } from '../repositories/marketplace-repository.js'
import { createAuditCheckpointRepository } from '../repositories/audit-checkpoint-repository.js'
import { createAuditRepository } from '../repositories/audit-repository.js'
import { createCredentialRepository } from '../repositories/credential-repository.js'
import { createDelegationRepository } from '../repositories/delegation-repository.js'
import { createMemberRepository } from '../repositories/member-repository.js'
import { createOrganizationRepository } from '../repositories/organization-repository.js'
import { createRevocationRepository } from '../repositories/revocation-repository.js'
import { createSigningKeyRepository } from '../repositories/signing-key-repository.js'
import { callerCode, guard } from './storage-errors.js'

function repositories(db: Kysely<Database>): StorageTx {
  return Object.freeze({
    organizations: createOrganizationRepository(db),
    members: createMemberRepository(db),
    agents: createAgentRepository(db),
    agentKeys: createAgentKeyRepository(db),
    marketplace: createMarketplaceRepository(db),
    credentials: createCredentialRepository(db),
    signingKeys: createSigningKeyRepository(db),
    revocations: createRevocationRepository(db),
    delegations: createDelegationRepository(db),
    audit: createAuditRepository(db),
    auditCheckpoints: createAuditCheckpointRepository(db),
  })
}

/**
 * A `Storage` over `db`. `close` releases whatever the factory owns (the pool or PGlite it
 * created); it runs once however often `close()` is called.
 */
export function createKyselyStorage(db: Kysely<Database>, close: () => Promise<void>): Storage {
  let closing: Promise<void> | undefined
  return Object.freeze({
    ...repositories(db),

    transaction: <T>(work: (tx: StorageTx) => Promise<T>): Promise<T> =>
      // `work`'s own errors are rethrown as they are (after rollback); begin/commit failures are mapped.
      guard(() => db.transaction().execute((trx) => callerCode(() => work(repositories(trx))))),

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
