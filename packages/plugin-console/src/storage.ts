/**
 * The console's storage extension: operators, passkeys, invitations and sessions — a memory half
 * (development default, tests) and a PostgreSQL half (kysely; own migration table
 * `console_migrations`), tested with the same contract suite.
 *
 * @module
 */
import type { PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import type { MemoryJournal } from '@sentryagent/core'
import { sql, type Kysely } from 'kysely'
import type { ConsoleRepository, Invitation, Operator, OperatorRole, Passkey, Session } from './model.js'

declare module '@sentryagent/core' {
  interface StorageExtensions {
    console: ConsoleRepository
  }
}

type ConsoleTables = {
  console_operators: {
    operator_id: string
    organization_id: string
    email: string
    display_name: string
    role: string
    status: string
    user_handle: string
    created_at: Date
    updated_at: Date
  }
  console_passkeys: {
    passkey_id: string
    organization_id: string
    operator_id: string
    credential_id: string
    public_key: string
    counter: string | number
    transports: string
    device_type: string
    backed_up: boolean
    name: string
    created_at: Date
    last_used_at: Date | null
  }
  console_invitations: {
    invitation_id: string
    organization_id: string
    email: string
    role: string
    kind: string
    token_hash: string
    created_by: string
    created_at: Date
    expires_at: Date
    accepted_at: Date | null
  }
  console_sessions: {
    session_hash: string
    organization_id: string
    operator_id: string
    created_at: Date
    last_seen_at: Date
    expires_at: Date
  }
}

const copy = <T extends object>(v: T): T => ({ ...v })

function memoryRepository(): (journal: MemoryJournal) => ConsoleRepository {
  const operators = new Map<string, Operator>()
  const passkeys = new Map<string, Passkey>()
  const invitations = new Map<string, Invitation>()
  const sessions = new Map<string, Session>()
  /** Sets `map[key]`, journaling the undo. */
  const put = <V>(journal: MemoryJournal, map: Map<string, V>, key: string, value: V) => {
    const before = map.get(key)
    map.set(key, value)
    journal(() => (before === undefined ? map.delete(key) : map.set(key, before)))
  }
  const del = <V>(journal: MemoryJournal, map: Map<string, V>, key: string): boolean => {
    const before = map.get(key)
    if (before === undefined) return false
    map.delete(key)
    journal(() => map.set(key, before))
    return true
  }
  const byCreated = (a: { createdAt: Date }, b: { createdAt: Date }) => a.createdAt.getTime() - b.createdAt.getTime()
  return (journal) => ({
    async insertOperator(op) {
      if ([...operators.values()].some((o) => o.organizationId === op.organizationId && o.email === op.email)) {
        throw new Error('duplicate operator email')
      }
      put(journal, operators, op.operatorId, copy(op))
    },
    async findOperator(orgId, id) {
      const op = operators.get(id)
      return op !== undefined && op.organizationId === orgId ? copy(op) : null
    },
    async organizationOfOperator(id) {
      return operators.get(id)?.organizationId ?? null
    },
    async findOperatorByEmail(orgId, email) {
      const op = [...operators.values()].find((o) => o.organizationId === orgId && o.email === email)
      return op === undefined ? null : copy(op)
    },
    async listOperators(orgId) {
      return [...operators.values()]
        .filter((o) => o.organizationId === orgId)
        .sort((a, b) => byCreated(a, b) || a.operatorId.localeCompare(b.operatorId))
        .map(copy)
    },
    async updateOperator(op) {
      const before = operators.get(op.operatorId)
      if (before === undefined || before.organizationId !== op.organizationId) return
      put(journal, operators, op.operatorId, { ...before, displayName: op.displayName, role: op.role, status: op.status, updatedAt: op.updatedAt })
    },
    async deleteOperator(orgId, id) {
      const op = operators.get(id)
      if (op === undefined || op.organizationId !== orgId) return false
      del(journal, operators, id)
      for (const [k, p] of passkeys) if (p.operatorId === id) del(journal, passkeys, k)
      for (const [k, s] of sessions) if (s.operatorId === id) del(journal, sessions, k)
      return true
    },
    async countActiveOwners(orgId) {
      return [...operators.values()].filter((o) => o.organizationId === orgId && o.role === 'owner' && o.status === 'active').length
    },
    async countActiveOperators(orgId) {
      return [...operators.values()].filter((o) => o.organizationId === orgId && o.status === 'active').length
    },
    async insertPasskey(p) {
      if ([...passkeys.values()].some((q) => q.credentialId === p.credentialId)) throw new Error('duplicate credential id')
      put(journal, passkeys, p.passkeyId, { ...p, transports: [...p.transports] })
    },
    async findPasskeyByCredentialId(credentialId) {
      const p = [...passkeys.values()].find((q) => q.credentialId === credentialId)
      return p === undefined ? null : { ...p, transports: [...p.transports] }
    },
    async listPasskeys(orgId, operatorId) {
      return [...passkeys.values()]
        .filter((p) => p.organizationId === orgId && p.operatorId === operatorId)
        .sort((a, b) => byCreated(a, b) || a.passkeyId.localeCompare(b.passkeyId))
        .map((p) => ({ ...p, transports: [...p.transports] }))
    },
    async recordPasskeyUse(credentialId, counter, backedUp, at) {
      const p = [...passkeys.values()].find((q) => q.credentialId === credentialId)
      if (p !== undefined) put(journal, passkeys, p.passkeyId, { ...p, counter, backedUp, lastUsedAt: at })
    },
    async deletePasskey(orgId, operatorId, passkeyId) {
      const p = passkeys.get(passkeyId)
      if (p === undefined || p.organizationId !== orgId || p.operatorId !== operatorId) return false
      return del(journal, passkeys, passkeyId)
    },
    async insertInvitation(inv) {
      put(journal, invitations, inv.invitationId, copy(inv))
    },
    async insertSetupInvitation(inv, now) {
      // No await between the check and the write: atomic among concurrent transactions.
      for (const [k, i] of invitations) {
        if (i.organizationId !== inv.organizationId || i.kind !== 'setup' || i.acceptedAt !== null) continue
        if (i.expiresAt > now) return false
        del(journal, invitations, k)
      }
      put(journal, invitations, inv.invitationId, copy(inv))
      return true
    },
    async organizationOfInvitation(id) {
      const inv = invitations.get(id)
      return inv === undefined || inv.acceptedAt !== null ? null : inv.organizationId
    },
    async findInvitationByTokenHash(hash) {
      const inv = [...invitations.values()].find((i) => i.tokenHash === hash)
      return inv === undefined ? null : copy(inv)
    },
    async listInvitations(orgId) {
      return [...invitations.values()]
        .filter((i) => i.organizationId === orgId && i.acceptedAt === null)
        .sort((a, b) => byCreated(b, a) || b.invitationId.localeCompare(a.invitationId))
        .map(copy)
    },
    async acceptInvitation(id, at) {
      const inv = invitations.get(id)
      if (inv === undefined || inv.acceptedAt !== null) return false
      put(journal, invitations, id, { ...inv, acceptedAt: at })
      return true
    },
    async deleteInvitation(orgId, id) {
      const inv = invitations.get(id)
      if (inv === undefined || inv.organizationId !== orgId || inv.acceptedAt !== null) return false
      return del(journal, invitations, id)
    },
    async countPendingSetup(orgId, now) {
      return [...invitations.values()].filter((i) => i.organizationId === orgId && i.kind === 'setup' && i.acceptedAt === null && i.expiresAt > now).length
    },
    async insertSession(s) {
      put(journal, sessions, s.sessionHash, copy(s))
    },
    async findSession(hash) {
      const s = sessions.get(hash)
      return s === undefined ? null : copy(s)
    },
    async touchSession(hash, at) {
      const s = sessions.get(hash)
      if (s !== undefined) put(journal, sessions, hash, { ...s, lastSeenAt: at })
    },
    async deleteSession(hash) {
      return del(journal, sessions, hash)
    },
    async deleteExpiredSessions(now, idleBefore) {
      let n = 0
      for (const [k, s] of sessions) if ((s.expiresAt <= now || s.lastSeenAt <= idleBefore) && del(journal, sessions, k)) n++
      return n
    },
    async deleteSessionsOf(orgId, operatorId) {
      let n = 0
      for (const [k, s] of sessions) if (s.organizationId === orgId && s.operatorId === operatorId && del(journal, sessions, k)) n++
      return n
    },
  })
}

const toOperator = (r: ConsoleTables['console_operators']): Operator => ({
  operatorId: r.operator_id,
  organizationId: r.organization_id,
  email: r.email,
  displayName: r.display_name,
  role: r.role as OperatorRole,
  status: r.status === 'disabled' ? 'disabled' : 'active',
  userHandle: r.user_handle,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
})

const toPasskey = (r: ConsoleTables['console_passkeys']): Passkey => ({
  passkeyId: r.passkey_id,
  organizationId: r.organization_id,
  operatorId: r.operator_id,
  credentialId: r.credential_id,
  publicKey: r.public_key,
  counter: Number(r.counter),
  transports: r.transports === '' ? [] : r.transports.split(','),
  deviceType: r.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
  backedUp: r.backed_up,
  name: r.name,
  createdAt: new Date(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at),
})

const toInvitation = (r: ConsoleTables['console_invitations']): Invitation => ({
  invitationId: r.invitation_id,
  organizationId: r.organization_id,
  email: r.email,
  role: r.role as OperatorRole,
  kind: r.kind === 'setup' ? 'setup' : 'invite',
  tokenHash: r.token_hash,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
  acceptedAt: r.accepted_at === null ? null : new Date(r.accepted_at),
})

const toSession = (r: ConsoleTables['console_sessions']): Session => ({
  sessionHash: r.session_hash,
  organizationId: r.organization_id,
  operatorId: r.operator_id,
  createdAt: new Date(r.created_at),
  lastSeenAt: new Date(r.last_seen_at),
  expiresAt: new Date(r.expires_at),
})

const invitationRow = (inv: Invitation): ConsoleTables['console_invitations'] => ({
  invitation_id: inv.invitationId,
  organization_id: inv.organizationId,
  email: inv.email,
  role: inv.role,
  kind: inv.kind,
  token_hash: inv.tokenHash,
  created_by: inv.createdBy,
  created_at: inv.createdAt,
  expires_at: inv.expiresAt,
  accepted_at: inv.acceptedAt,
})

function kyselyRepository(db: Kysely<ConsoleTables>): ConsoleRepository {
  return {
    async insertOperator(op) {
      await db
        .insertInto('console_operators')
        .values({
          operator_id: op.operatorId,
          organization_id: op.organizationId,
          email: op.email,
          display_name: op.displayName,
          role: op.role,
          status: op.status,
          user_handle: op.userHandle,
          created_at: op.createdAt,
          updated_at: op.updatedAt,
        })
        .execute()
    },
    async findOperator(orgId, id) {
      const r = await db.selectFrom('console_operators').selectAll().where('organization_id', '=', orgId).where('operator_id', '=', id).executeTakeFirst()
      return r === undefined ? null : toOperator(r)
    },
    async organizationOfOperator(id) {
      const r = await db.selectFrom('console_operators').select('organization_id').where('operator_id', '=', id).executeTakeFirst()
      return r?.organization_id ?? null
    },
    async findOperatorByEmail(orgId, email) {
      const r = await db.selectFrom('console_operators').selectAll().where('organization_id', '=', orgId).where('email', '=', email).executeTakeFirst()
      return r === undefined ? null : toOperator(r)
    },
    async listOperators(orgId) {
      const rows = await db.selectFrom('console_operators').selectAll().where('organization_id', '=', orgId).orderBy('created_at').orderBy('operator_id').execute()
      return rows.map(toOperator)
    },
    async updateOperator(op) {
      await db
        .updateTable('console_operators')
        .set({ display_name: op.displayName, role: op.role, status: op.status, updated_at: op.updatedAt })
        .where('organization_id', '=', op.organizationId)
        .where('operator_id', '=', op.operatorId)
        .execute()
    },
    async deleteOperator(orgId, id) {
      await db.deleteFrom('console_passkeys').where('organization_id', '=', orgId).where('operator_id', '=', id).execute()
      await db.deleteFrom('console_sessions').where('organization_id', '=', orgId).where('operator_id', '=', id).execute()
      const r = await db.deleteFrom('console_operators').where('organization_id', '=', orgId).where('operator_id', '=', id).executeTakeFirst()
      return Number(r.numDeletedRows) > 0
    },
    async countActiveOwners(orgId) {
      const r = await db
        .selectFrom('console_operators')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', orgId)
        .where('role', '=', 'owner')
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow()
      return Number(r.n)
    },
    async countActiveOperators(orgId) {
      const r = await db
        .selectFrom('console_operators')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', orgId)
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow()
      return Number(r.n)
    },
    async insertPasskey(p) {
      await db
        .insertInto('console_passkeys')
        .values({
          passkey_id: p.passkeyId,
          organization_id: p.organizationId,
          operator_id: p.operatorId,
          credential_id: p.credentialId,
          public_key: p.publicKey,
          counter: p.counter,
          transports: p.transports.join(','),
          device_type: p.deviceType,
          backed_up: p.backedUp,
          name: p.name,
          created_at: p.createdAt,
          last_used_at: p.lastUsedAt,
        })
        .execute()
    },
    async findPasskeyByCredentialId(credentialId) {
      const r = await db.selectFrom('console_passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst()
      return r === undefined ? null : toPasskey(r)
    },
    async listPasskeys(orgId, operatorId) {
      const rows = await db
        .selectFrom('console_passkeys')
        .selectAll()
        .where('organization_id', '=', orgId)
        .where('operator_id', '=', operatorId)
        .orderBy('created_at')
        .orderBy('passkey_id')
        .execute()
      return rows.map(toPasskey)
    },
    async recordPasskeyUse(credentialId, counter, backedUp, at) {
      await db.updateTable('console_passkeys').set({ counter, backed_up: backedUp, last_used_at: at }).where('credential_id', '=', credentialId).execute()
    },
    async deletePasskey(orgId, operatorId, passkeyId) {
      const r = await db
        .deleteFrom('console_passkeys')
        .where('organization_id', '=', orgId)
        .where('operator_id', '=', operatorId)
        .where('passkey_id', '=', passkeyId)
        .executeTakeFirst()
      return Number(r.numDeletedRows) > 0
    },
    async insertInvitation(inv) {
      await db.insertInto('console_invitations').values(invitationRow(inv)).execute()
    },
    async insertSetupInvitation(inv, now) {
      await db
        .deleteFrom('console_invitations')
        .where('organization_id', '=', inv.organizationId)
        .where('kind', '=', 'setup')
        .where('accepted_at', 'is', null)
        .where('expires_at', '<=', now)
        .execute()
      // The unique index on pending setup invitations (migration 0002) arbitrates between concurrent
      // inserts: the second waits for the first to commit, then inserts nothing.
      const r = await db
        .insertInto('console_invitations')
        .values(invitationRow(inv))
        .onConflict((oc) => oc.column('organization_id').where(sql<boolean>`kind = 'setup' and accepted_at is null`).doNothing())
        .executeTakeFirst()
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
    },
    async organizationOfInvitation(id) {
      const r = await db.selectFrom('console_invitations').select('organization_id').where('invitation_id', '=', id).where('accepted_at', 'is', null).executeTakeFirst()
      return r?.organization_id ?? null
    },
    async findInvitationByTokenHash(hash) {
      const r = await db.selectFrom('console_invitations').selectAll().where('token_hash', '=', hash).executeTakeFirst()
      return r === undefined ? null : toInvitation(r)
    },
    async listInvitations(orgId) {
      const rows = await db
        .selectFrom('console_invitations')
        .selectAll()
        .where('organization_id', '=', orgId)
        .where('accepted_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('invitation_id', 'desc')
        .execute()
      return rows.map(toInvitation)
    },
    async acceptInvitation(id, at) {
      const r = await db.updateTable('console_invitations').set({ accepted_at: at }).where('invitation_id', '=', id).where('accepted_at', 'is', null).executeTakeFirst()
      return Number(r.numUpdatedRows) > 0
    },
    async deleteInvitation(orgId, id) {
      const r = await db
        .deleteFrom('console_invitations')
        .where('organization_id', '=', orgId)
        .where('invitation_id', '=', id)
        .where('accepted_at', 'is', null)
        .executeTakeFirst()
      return Number(r.numDeletedRows) > 0
    },
    async countPendingSetup(orgId, now) {
      const r = await db
        .selectFrom('console_invitations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('organization_id', '=', orgId)
        .where('kind', '=', 'setup')
        .where('accepted_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow()
      return Number(r.n)
    },
    async insertSession(s) {
      await db
        .insertInto('console_sessions')
        .values({
          session_hash: s.sessionHash,
          organization_id: s.organizationId,
          operator_id: s.operatorId,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
        })
        .execute()
    },
    async findSession(hash) {
      const r = await db.selectFrom('console_sessions').selectAll().where('session_hash', '=', hash).executeTakeFirst()
      return r === undefined ? null : toSession(r)
    },
    async touchSession(hash, at) {
      await db.updateTable('console_sessions').set({ last_seen_at: at }).where('session_hash', '=', hash).execute()
    },
    async deleteSession(hash) {
      const r = await db.deleteFrom('console_sessions').where('session_hash', '=', hash).executeTakeFirst()
      return Number(r.numDeletedRows) > 0
    },
    async deleteExpiredSessions(now, idleBefore) {
      const r = await db
        .deleteFrom('console_sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleBefore)]))
        .executeTakeFirst()
      return Number(r.numDeletedRows)
    },
    async deleteSessionsOf(orgId, operatorId) {
      const r = await db.deleteFrom('console_sessions').where('organization_id', '=', orgId).where('operator_id', '=', operatorId).executeTakeFirst()
      return Number(r.numDeletedRows)
    },
  }
}

/** The storage extension: hand it to `createMemoryStorage`/`createPgliteStorage`/`createPostgresStorage({ extensions })`. */
export const consoleStorage = {
  id: 'console',
  memory: memoryRepository,
  postgres: {
    migrations: {
      '0001-console': {
        async up(db: Kysely<unknown>) {
          await db.schema
            .createTable('console_operators')
            .addColumn('operator_id', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('email', 'text', (c) => c.notNull())
            .addColumn('display_name', 'text', (c) => c.notNull())
            .addColumn('role', 'text', (c) => c.notNull())
            .addColumn('status', 'text', (c) => c.notNull())
            .addColumn('user_handle', 'text', (c) => c.notNull().unique())
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
            .addUniqueConstraint('console_operators_org_email', ['organization_id', 'email'])
            .execute()
          await db.schema
            .createTable('console_passkeys')
            .addColumn('passkey_id', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('operator_id', 'text', (c) => c.notNull().references('console_operators.operator_id').onDelete('cascade'))
            .addColumn('credential_id', 'text', (c) => c.notNull().unique())
            .addColumn('public_key', 'text', (c) => c.notNull())
            .addColumn('counter', 'bigint', (c) => c.notNull())
            .addColumn('transports', 'text', (c) => c.notNull())
            .addColumn('device_type', 'text', (c) => c.notNull())
            .addColumn('backed_up', 'boolean', (c) => c.notNull())
            .addColumn('name', 'text', (c) => c.notNull())
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .addColumn('last_used_at', 'timestamptz')
            .execute()
          await db.schema.createIndex('console_passkeys_operator').on('console_passkeys').columns(['organization_id', 'operator_id']).execute()
          await db.schema
            .createTable('console_invitations')
            .addColumn('invitation_id', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('email', 'text', (c) => c.notNull())
            .addColumn('role', 'text', (c) => c.notNull())
            .addColumn('kind', 'text', (c) => c.notNull())
            .addColumn('token_hash', 'text', (c) => c.notNull().unique())
            .addColumn('created_by', 'text', (c) => c.notNull())
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
            .addColumn('accepted_at', 'timestamptz')
            .execute()
          await db.schema.createIndex('console_invitations_org').on('console_invitations').columns(['organization_id', 'created_at']).execute()
          await db.schema
            .createTable('console_sessions')
            .addColumn('session_hash', 'text', (c) => c.primaryKey())
            .addColumn('organization_id', 'text', (c) => c.notNull())
            .addColumn('operator_id', 'text', (c) => c.notNull().references('console_operators.operator_id').onDelete('cascade'))
            .addColumn('created_at', 'timestamptz', (c) => c.notNull())
            .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
            .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
            .execute()
          await db.schema.createIndex('console_sessions_operator').on('console_sessions').columns(['organization_id', 'operator_id']).execute()
        },
      },
      '0002-console-one-setup-link': {
        async up(db: Kysely<unknown>) {
          // Two processes starting at once could each create a setup link; nobody can tell which one
          // an operator holds, so both are withdrawn (the next start prints a new one), then at most
          // one pending setup invitation per organization can exist.
          await sql`delete from console_invitations where kind = 'setup' and accepted_at is null and organization_id in (
            select organization_id from console_invitations where kind = 'setup' and accepted_at is null group by organization_id having count(*) > 1)`.execute(db)
          await sql`create unique index console_invitations_one_pending_setup on console_invitations (organization_id) where kind = 'setup' and accepted_at is null`.execute(db)
        },
      },
    },
    repository: (db: Kysely<object>) => kyselyRepository(db.withTables<ConsoleTables>()),
  },
} satisfies PostgresStorageExtension<'console'>
