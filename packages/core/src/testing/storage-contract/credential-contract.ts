/**
 * Storage contract: `credentials`, `signingKeys` and `revocations`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Credential } from '../../model.js'
import type { Storage } from '../../ports/storage.js'
import { at, byCreatedAtThen, expectIdpError, newCredential, newRevokedToken, newSigningKey, sha256 } from './records.js'

/** Registers the credential, signing-key and revocation cases; `storage()` is the current test's fresh storage. */
export function credentialContract(storage: () => Storage): void {
  describe('credentials', () => {
    it('insert() then find() and findByClientId() round-trip every field', async () => {
      const orgId = randomUUID()
      const agentId = randomUUID()
      const open = newCredential(orgId, agentId, { expiresAt: null, generation: 3 })
      const revoked = newCredential(orgId, agentId, { status: 'revoked', revokedAt: at(99) })
      await storage().credentials.insert(open)
      await storage().credentials.insert(revoked)
      expect(await storage().credentials.find(orgId, open.credentialId)).toStrictEqual(open)
      expect(await storage().credentials.find(orgId, revoked.credentialId)).toStrictEqual(revoked)
      expect(await storage().credentials.findByClientId(open.clientId)).toStrictEqual(open)
    })

    it('find() is null when absent or owned by another organization; findByClientId() is unscoped', async () => {
      const credential = newCredential(randomUUID(), randomUUID())
      await storage().credentials.insert(credential)
      expect(await storage().credentials.find(randomUUID(), credential.credentialId)).toBeNull()
      expect(await storage().credentials.find(credential.organizationId, randomUUID())).toBeNull()
      expect(await storage().credentials.findByClientId(`client-${randomUUID()}`)).toBeNull()
      expect(await storage().credentials.findByClientId(credential.clientId)).toStrictEqual(credential)
    })

    it('insert() throws CONFLICT when the client id is taken, in any organization', async () => {
      const credential = newCredential(randomUUID(), randomUUID())
      await storage().credentials.insert(credential)
      const sameOrg = newCredential(credential.organizationId, credential.agentId, { clientId: credential.clientId })
      await expectIdpError(storage().credentials.insert(sameOrg), 'CONFLICT')
      const otherOrg = newCredential(randomUUID(), randomUUID(), { clientId: credential.clientId })
      await expectIdpError(storage().credentials.insert(otherOrg), 'CONFLICT')
      expect(await storage().credentials.findByClientId(credential.clientId)).toStrictEqual(credential)
    })

    it('listByAgent() returns the agent credentials ordered by (createdAt, credentialId)', async () => {
      const orgId = randomUUID()
      const agentId = randomUUID()
      const mine = [3, 0, 0, 1, 0].map((offset) => newCredential(orgId, agentId, { createdAt: at(offset) }))
      for (const credential of mine) await storage().credentials.insert(credential)
      await storage().credentials.insert(newCredential(orgId, randomUUID()))
      await storage().credentials.insert(newCredential(randomUUID(), agentId))
      const expected = [...mine].sort(byCreatedAtThen<Credential>((c) => c.credentialId))
      expect(await storage().credentials.listByAgent(orgId, agentId)).toStrictEqual(expected)
      expect(await storage().credentials.listByAgent(randomUUID(), randomUUID())).toStrictEqual([])
    })

    it('update() applies the patch and returns the updated row, or null for another organization', async () => {
      const credential = newCredential(randomUUID(), randomUUID())
      await storage().credentials.insert(credential)
      const rotate = { secretHash: sha256('rotated'), generation: 2, updatedAt: at(300) }
      const rotated = await storage().credentials.update(credential.organizationId, credential.credentialId, rotate)
      expect(rotated).toStrictEqual({ ...credential, ...rotate })
      const revoke = { status: 'revoked' as const, revokedAt: at(400), updatedAt: at(400) }
      const revoked = await storage().credentials.update(credential.organizationId, credential.credentialId, revoke)
      expect(revoked).toStrictEqual({ ...credential, ...rotate, ...revoke })
      const restore = { status: 'active' as const, revokedAt: null, updatedAt: at(500) }
      const restored = await storage().credentials.update(credential.organizationId, credential.credentialId, restore)
      expect(restored).toStrictEqual({ ...credential, ...rotate, ...restore })
      expect(await storage().credentials.find(credential.organizationId, credential.credentialId)).toStrictEqual(restored)
      expect(await storage().credentials.update(randomUUID(), credential.credentialId, revoke)).toBeNull()
      expect(await storage().credentials.update(credential.organizationId, randomUUID(), revoke)).toBeNull()
      expect(await storage().credentials.find(credential.organizationId, credential.credentialId)).toStrictEqual(restored)
    })

    it('revokeAllForAgent() revokes only the active credentials of that agent and counts them', async () => {
      const orgId = randomUUID()
      const agentId = randomUUID()
      const active1 = newCredential(orgId, agentId)
      const active2 = newCredential(orgId, agentId, { expiresAt: null })
      const earlier = newCredential(orgId, agentId, { status: 'revoked', revokedAt: at(50) })
      const sibling = newCredential(orgId, randomUUID())
      for (const credential of [active1, active2, earlier, sibling]) await storage().credentials.insert(credential)
      expect(await storage().credentials.revokeAllForAgent(randomUUID(), agentId, at(600))).toBe(0)
      expect(await storage().credentials.revokeAllForAgent(orgId, agentId, at(700))).toBe(2)
      for (const credential of [active1, active2]) {
        const found = await storage().credentials.find(orgId, credential.credentialId)
        expect(found).toMatchObject({ status: 'revoked', revokedAt: at(700) })
      }
      expect(await storage().credentials.find(orgId, earlier.credentialId)).toStrictEqual(earlier)
      expect(await storage().credentials.find(orgId, sibling.credentialId)).toStrictEqual(sibling)
      expect(await storage().credentials.revokeAllForAgent(orgId, agentId, at(800))).toBe(0)
    })
  })

  describe('signingKeys', () => {
    it('insert() then list() round-trips every field, newest first', async () => {
      const older = newSigningKey({ status: 'retired', createdAt: at(1), notAfter: at(5_000) })
      const newest = newSigningKey({ createdAt: at(3) })
      const middle = newSigningKey({ status: 'retired', createdAt: at(2), notAfter: at(6_000) })
      for (const key of [older, newest, middle]) await storage().signingKeys.insert(key)
      const kids = new Set([older.kid, newest.kid, middle.kid])
      const listed = (await storage().signingKeys.list()).filter((k) => kids.has(k.kid))
      expect(listed).toStrictEqual([newest, middle, older])
    })

    it('insert() throws CONFLICT when the kid exists', async () => {
      const key = newSigningKey()
      await storage().signingKeys.insert(key)
      await expectIdpError(storage().signingKeys.insert(newSigningKey({ kid: key.kid })), 'CONFLICT')
      expect((await storage().signingKeys.list()).filter((k) => k.kid === key.kid)).toStrictEqual([key])
    })

    it('update() changes status and notAfter, leaving the other fields', async () => {
      const key = newSigningKey()
      const other = newSigningKey({ createdAt: at(1) })
      await storage().signingKeys.insert(key)
      await storage().signingKeys.insert(other)
      await storage().signingKeys.update(key.kid, { status: 'retired', notAfter: at(10_000) })
      const find = async (kid: string) => (await storage().signingKeys.list()).find((k) => k.kid === kid)
      expect(await find(key.kid)).toStrictEqual({ ...key, status: 'retired', notAfter: at(10_000) })
      await storage().signingKeys.update(key.kid, { notAfter: null })
      expect(await find(key.kid)).toStrictEqual({ ...key, status: 'retired', notAfter: null })
      expect(await find(other.kid)).toStrictEqual(other)
    })
  })

  describe('revocations', () => {
    it('insert() then isRevoked() is true whatever the organization; unknown jti is false', async () => {
      const token = newRevokedToken(randomUUID())
      await storage().revocations.insert(token)
      expect(await storage().revocations.isRevoked(token.jti)).toBe(true)
      expect(await storage().revocations.isRevoked(randomUUID())).toBe(false)
    })

    it('insert() is idempotent and keeps the first record', async () => {
      const token = newRevokedToken(randomUUID())
      await storage().revocations.insert(token)
      await storage().revocations.insert({ ...token, revokedAt: at(41), expiresAt: at(7_200_000) })
      await storage().revocations.insert({ ...token, organizationId: randomUUID() })
      const listed = (await storage().revocations.listUnexpired(at(0), 1_000)).filter((t) => t.jti === token.jti)
      expect(listed).toStrictEqual([token])
    })

    it('listUnexpired() returns tokens expiring after now, at most limit', async () => {
      const orgId = randomUUID()
      const expired = newRevokedToken(orgId, { expiresAt: at(1_000) })
      const live = [2_000, 3_000, 4_000].map((ms) => newRevokedToken(orgId, { expiresAt: at(ms) }))
      for (const token of [expired, ...live]) await storage().revocations.insert(token)
      const mine = new Set([expired, ...live].map((t) => t.jti))
      const all = (await storage().revocations.listUnexpired(at(1_500), 1_000)).filter((t) => mine.has(t.jti))
      const sortByJti = (rows: typeof live) => [...rows].sort((a, b) => (a.jti < b.jti ? -1 : 1))
      expect(sortByJti(all)).toStrictEqual(sortByJti(live))
      const limited = await storage().revocations.listUnexpired(at(1_500), 2)
      expect(limited).toHaveLength(2)
      for (const token of limited) expect(token.expiresAt.getTime()).toBeGreaterThan(at(1_500).getTime())
      const later = await storage().revocations.listUnexpired(at(5_000), 1_000)
      expect(later.filter((t) => mine.has(t.jti))).toStrictEqual([])
    })
  })
}
