/**
 * The console's repository contract, on memory, PGlite and real PostgreSQL (CI=true: PostgreSQL
 * must answer). Every read is scoped by organization; secrets are looked up by digest only;
 * invitations are single-use; a failed transaction leaves nothing behind.
 */
import { randomUUID } from 'node:crypto'
import { storageTargets, type StorageFixture as Fixture } from '@sentryagent/adapter-postgres/testing'
import type { Storage } from '@sentryagent/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Invitation, Operator, Passkey, Session } from '../src/index.js'
import { consoleStorage } from '../src/index.js'

const targets = await storageTargets([consoleStorage], 'console')

const T0 = new Date('2026-01-01T00:00:00.000Z')
const operator = (org: string, email: string, over: Partial<Operator> = {}): Operator => ({
  operatorId: `op_${randomUUID()}`,
  organizationId: org,
  email,
  displayName: email,
  role: 'admin',
  status: 'active',
  userHandle: randomUUID(),
  createdAt: T0,
  updatedAt: T0,
  ...over,
})
const passkey = (op: Operator, over: Partial<Passkey> = {}): Passkey => ({
  passkeyId: `pk_${randomUUID()}`,
  organizationId: op.organizationId,
  operatorId: op.operatorId,
  credentialId: randomUUID(),
  publicKey: 'cose',
  counter: 0,
  transports: ['internal', 'hybrid'],
  deviceType: 'multiDevice',
  backedUp: true,
  name: 'Laptop',
  createdAt: T0,
  lastUsedAt: null,
  ...over,
})
const invitation = (org: string, over: Partial<Invitation> = {}): Invitation => ({
  invitationId: `inv_${randomUUID()}`,
  organizationId: org,
  email: 'new@example.com',
  role: 'viewer',
  kind: 'invite',
  tokenHash: randomUUID(),
  createdBy: 'agent-1',
  createdAt: T0,
  expiresAt: new Date(T0.getTime() + 86_400_000),
  acceptedAt: null,
  ...over,
})
const session = (op: Operator): Session => ({
  sessionHash: randomUUID(),
  organizationId: op.organizationId,
  operatorId: op.operatorId,
  createdAt: T0,
  lastSeenAt: T0,
  expiresAt: new Date(T0.getTime() + 43_200_000),
})

for (const target of targets) {
  describe(`console repository on ${target.name}`, () => {
    let fx: Fixture
    beforeEach(async () => {
      fx = await target.setup()
    })
    afterEach(async () => fx.teardown())
    const write = <T>(work: (r: ReturnType<Storage['ext']>) => Promise<T>) => fx.storage.transaction((tx) => work(tx.ext('console')))
    const read = () => fx.storage.ext('console')

    it('keeps operators per organization: another organization sees nothing', async () => {
      const a = operator('org-a', 'alice@example.com', { role: 'owner' })
      const b = operator('org-b', 'bob@example.com')
      await write(async (r) => {
        await r.insertOperator(a)
        await r.insertOperator(b)
      })
      expect(await read().findOperator('org-a', a.operatorId)).toEqual(a)
      expect(await read().findOperator('org-b', a.operatorId)).toBeNull()
      expect(await read().findOperatorByEmail('org-b', 'alice@example.com')).toBeNull()
      expect((await read().listOperators('org-a')).map((o) => o.operatorId)).toEqual([a.operatorId])
      expect(await read().countActiveOwners('org-a')).toBe(1)
      expect(await read().countActiveOwners('org-b')).toBe(0)
      expect(await read().deleteOperator('org-b', a.operatorId)).toBe(false)
      await write((r) => r.updateOperator({ ...a, organizationId: 'org-b', role: 'viewer' }))
      expect((await read().findOperator('org-a', a.operatorId))?.role).toBe('owner')
    })

    it('refuses a second operator with the same email in one organization, allows it in another', async () => {
      await write((r) => r.insertOperator(operator('org-a', 'same@example.com')))
      await expect(write((r) => r.insertOperator(operator('org-a', 'same@example.com')))).rejects.toThrow()
      await write((r) => r.insertOperator(operator('org-b', 'same@example.com')))
      expect((await read().listOperators('org-a')).length).toBe(1)
    })

    it('stores passkeys with counters and backup flags; removal is scoped to the operator', async () => {
      const a = operator('org-a', 'a@example.com')
      const other = operator('org-a', 'other@example.com')
      const p = passkey(a)
      await write(async (r) => {
        await r.insertOperator(a)
        await r.insertOperator(other)
        await r.insertPasskey(p)
      })
      expect(await read().findPasskeyByCredentialId(p.credentialId)).toEqual(p)
      await write((r) => r.recordPasskeyUse(p.credentialId, 7, false, new Date(T0.getTime() + 1000)))
      const used = await read().findPasskeyByCredentialId(p.credentialId)
      expect(used).toMatchObject({ counter: 7, backedUp: false, lastUsedAt: new Date(T0.getTime() + 1000) })
      expect(await write((r) => r.deletePasskey('org-a', other.operatorId, p.passkeyId))).toBe(false)
      expect(await write((r) => r.deletePasskey('org-b', a.operatorId, p.passkeyId))).toBe(false)
      await expect(write((r) => r.insertPasskey(passkey(other, { credentialId: p.credentialId })))).rejects.toThrow()
      expect(await write((r) => r.deletePasskey('org-a', a.operatorId, p.passkeyId))).toBe(true)
      expect(await read().listPasskeys('org-a', a.operatorId)).toEqual([])
    })

    it('accepts an invitation once; lists only pending ones of the organization', async () => {
      const inv = invitation('org-a')
      const setup = invitation('org-a', { kind: 'setup', role: 'owner' })
      await write(async (r) => {
        await r.insertInvitation(inv)
        await r.insertInvitation(setup)
      })
      expect(await read().findInvitationByTokenHash(inv.tokenHash)).toEqual(inv)
      expect(await read().countPendingSetup('org-a', T0)).toBe(1)
      expect(await read().countPendingSetup('org-a', new Date(T0.getTime() + 86_400_000))).toBe(0)
      expect(await write((r) => r.acceptInvitation(inv.invitationId, T0))).toBe(true)
      expect(await write((r) => r.acceptInvitation(inv.invitationId, T0))).toBe(false)
      expect((await read().listInvitations('org-a')).map((i) => i.invitationId)).toEqual([setup.invitationId])
      expect(await read().listInvitations('org-b')).toEqual([])
      expect(await write((r) => r.deleteInvitation('org-b', setup.invitationId))).toBe(false)
      expect(await write((r) => r.deleteInvitation('org-a', setup.invitationId))).toBe(true)
    })

    it('keeps at most one pending setup invitation per organization, also under concurrent transactions', async () => {
      // Each transaction holds its insert a moment before committing, so that they overlap for real
      // on PostgreSQL (a pool of connections); the loser waits for the winner, then inserts nothing.
      const attempts = Array.from({ length: 6 }, () => invitation('org-a', { kind: 'setup', role: 'owner' }))
      const results = await Promise.all(
        attempts.map((inv) =>
          write(async (r) => {
            const inserted = await r.insertSetupInvitation(inv, T0)
            await new Promise((resolve) => setTimeout(resolve, 50))
            return inserted
          }),
        ),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      const winner = attempts[results.indexOf(true)] as Invitation
      expect((await read().listInvitations('org-a')).map((i) => i.invitationId)).toEqual([winner.invitationId])
      for (const loser of attempts.filter((i) => i !== winner)) expect(await read().findInvitationByTokenHash(loser.tokenHash)).toBeNull()
      // Another organization has its own; a plain invitation is not a setup link.
      expect(await write((r) => r.insertSetupInvitation(invitation('org-b', { kind: 'setup', role: 'owner' }), T0))).toBe(true)
      await write((r) => r.insertInvitation(invitation('org-a')))
      // Still pending: refused a day minus a second later; once expired it is replaced.
      const later = invitation('org-a', { kind: 'setup', role: 'owner', createdAt: new Date(T0.getTime() + 86_400_000), expiresAt: new Date(T0.getTime() + 2 * 86_400_000) })
      expect(await write((r) => r.insertSetupInvitation(later, new Date(T0.getTime() + 86_399_000)))).toBe(false)
      expect(await write((r) => r.insertSetupInvitation(later, new Date(T0.getTime() + 86_400_000)))).toBe(true)
      expect(await read().findInvitationByTokenHash(winner.tokenHash)).toBeNull()
      // Accepted, it no longer blocks another (the service refuses a setup link once an owner exists).
      expect(await write((r) => r.acceptInvitation(later.invitationId, new Date(T0.getTime() + 86_401_000)))).toBe(true)
      expect(await write((r) => r.insertSetupInvitation(invitation('org-a', { kind: 'setup', role: 'owner' }), new Date(T0.getTime() + 86_402_000)))).toBe(true)
    })

    it('names the organization of an operator or a pending invitation by its id (for platform administrators)', async () => {
      const a = operator('org-a', 'a@example.com')
      const inv = invitation('org-b')
      await write(async (r) => {
        await r.insertOperator(a)
        await r.insertInvitation(inv)
      })
      expect(await read().organizationOfOperator(a.operatorId)).toBe('org-a')
      expect(await read().organizationOfOperator('op_nope')).toBeNull()
      expect(await read().organizationOfInvitation(inv.invitationId)).toBe('org-b')
      await write((r) => r.acceptInvitation(inv.invitationId, T0))
      expect(await read().organizationOfInvitation(inv.invitationId)).toBeNull()
    })

    it('ends sessions one by one or all of an operator; removing an operator removes its passkeys and sessions', async () => {
      const a = operator('org-a', 'a@example.com')
      const s1 = session(a)
      const s2 = session(a)
      const p = passkey(a)
      await write(async (r) => {
        await r.insertOperator(a)
        await r.insertPasskey(p)
        await r.insertSession(s1)
        await r.insertSession(s2)
      })
      await write((r) => r.touchSession(s1.sessionHash, new Date(T0.getTime() + 5000)))
      expect((await read().findSession(s1.sessionHash))?.lastSeenAt).toEqual(new Date(T0.getTime() + 5000))
      expect(await write((r) => r.deleteSession(s1.sessionHash))).toBe(true)
      expect(await read().findSession(s1.sessionHash)).toBeNull()
      expect(await write((r) => r.deleteSessionsOf('org-b', a.operatorId))).toBe(0)
      await write((r) => r.insertSession(s1))
      expect(await write((r) => r.deleteSessionsOf('org-a', a.operatorId))).toBe(2)
      await write((r) => r.insertSession(s2))
      expect(await write((r) => r.deleteOperator('org-a', a.operatorId))).toBe(true)
      expect(await read().findSession(s2.sessionHash)).toBeNull()
      expect(await read().findPasskeyByCredentialId(p.credentialId)).toBeNull()
    })

    it('purges sessions past their absolute expiry or idle too long, and only those', async () => {
      const a = operator('org-a', 'a@example.com')
      const fresh = session(a)
      const idle = { ...session(a), lastSeenAt: new Date(T0.getTime() - 3_600_000) }
      const old = { ...session(a), expiresAt: new Date(T0.getTime() - 1) }
      await write(async (r) => {
        await r.insertOperator(a)
        for (const s of [fresh, idle, old]) await r.insertSession(s)
      })
      expect(await write((r) => r.deleteExpiredSessions(T0, new Date(T0.getTime() - 1_800_000)))).toBe(2)
      expect(await read().findSession(fresh.sessionHash)).not.toBeNull()
      expect(await read().findSession(idle.sessionHash)).toBeNull()
      expect(await read().findSession(old.sessionHash)).toBeNull()
    })

    it('rolls every write of a failed transaction back', async () => {
      const a = operator('org-a', 'a@example.com')
      await expect(
        write(async (r) => {
          await r.insertOperator(a)
          await r.insertPasskey(passkey(a))
          await r.insertInvitation(invitation('org-a'))
          throw new Error('refused')
        }),
      ).rejects.toThrow('refused')
      expect(await read().listOperators('org-a')).toEqual([])
      expect(await read().listInvitations('org-a')).toEqual([])
    })
  })
}
