/**
 * Storage contract: `organizations` and `members`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Organization } from '../../model.js'
import type { Storage } from '../../ports/storage.js'
import { at, byCreatedAtThen, collectPages, expectIdpError, newMember, newOrganization } from './records.js'

/** Registers the organization and member cases; `storage()` is the current test's fresh storage. */
export function organizationContract(storage: () => Storage): void {
  describe('organizations', () => {
    it('insert() then find() and findBySlug() round-trip every field', async () => {
      const org = newOrganization({ maxAgents: null, planTier: 'enterprise', status: 'suspended' })
      await storage().organizations.insert(org)
      expect(await storage().organizations.find(org.organizationId)).toStrictEqual(org)
      expect(await storage().organizations.findBySlug(org.slug)).toStrictEqual(org)
      const limited = newOrganization({ maxAgents: 3 })
      await storage().organizations.insert(limited)
      expect(await storage().organizations.find(limited.organizationId)).toStrictEqual(limited)
    })

    it('find() and findBySlug() return null when absent', async () => {
      expect(await storage().organizations.find(randomUUID())).toBeNull()
      expect(await storage().organizations.findBySlug(`missing-${randomUUID()}`)).toBeNull()
    })

    it('insert() throws CONFLICT on a duplicate slug', async () => {
      const org = newOrganization()
      await storage().organizations.insert(org)
      await expectIdpError(storage().organizations.insert(newOrganization({ slug: org.slug })), 'CONFLICT')
      expect(await storage().organizations.find(org.organizationId)).toStrictEqual(org)
    })

    it('list() pages by (createdAt, organizationId) without duplicates or misses', async () => {
      const orgs: Organization[] = []
      for (const offset of [5, 0, 0, 3, 0, 7, 3, 9]) orgs.push(newOrganization({ createdAt: at(offset) }))
      for (const org of orgs) await storage().organizations.insert(org)
      const { items, pageSizes } = await collectPages(3, (cursor) => storage().organizations.list({ limit: 3, cursor }))
      const mine = new Set(orgs.map((o) => o.organizationId))
      const expected = [...orgs].sort(byCreatedAtThen((o) => o.organizationId))
      expect(items.filter((o) => mine.has(o.organizationId))).toStrictEqual(expected)
      expect(new Set(items.map((o) => o.organizationId)).size).toBe(items.length)
      expect(pageSizes[0]).toBe(3)
    })

    it('update() applies the patch and returns the updated row', async () => {
      const org = newOrganization()
      await storage().organizations.insert(org)
      const patch = { name: 'Renamed', planTier: 'free', maxAgents: null, status: 'suspended', updatedAt: at(500) } as const
      const updated = await storage().organizations.update(org.organizationId, patch)
      const expected = { ...org, ...patch }
      expect(updated).toStrictEqual(expected)
      expect(await storage().organizations.find(org.organizationId)).toStrictEqual(expected)
      const partial = await storage().organizations.update(org.organizationId, { maxAgents: 7, updatedAt: at(600) })
      expect(partial).toStrictEqual({ ...expected, maxAgents: 7, updatedAt: at(600) })
    })

    it('update() returns null when absent', async () => {
      expect(await storage().organizations.update(randomUUID(), { name: 'x', updatedAt: at(1) })).toBeNull()
    })

    it('delete() hides the organization and keeps its slug reserved', async () => {
      const org = newOrganization()
      const other = newOrganization()
      await storage().organizations.insert(org)
      await storage().organizations.insert(other)
      expect(await storage().organizations.delete(org.organizationId, at(700))).toBe(true)
      expect(await storage().organizations.find(org.organizationId)).toBeNull()
      expect(await storage().organizations.findBySlug(org.slug)).toBeNull()
      expect(await storage().organizations.update(org.organizationId, { name: 'x', updatedAt: at(800) })).toBeNull()
      const { items } = await collectPages(50, (cursor) => storage().organizations.list({ limit: 50, cursor }))
      const ids = items.map((o) => o.organizationId)
      expect(ids).not.toContain(org.organizationId)
      expect(ids).toContain(other.organizationId)
      await expectIdpError(storage().organizations.insert(newOrganization({ slug: org.slug })), 'CONFLICT')
      expect(await storage().organizations.find(other.organizationId)).toStrictEqual(other)
    })

    it('delete() returns false when absent', async () => {
      expect(await storage().organizations.delete(randomUUID(), at(1))).toBe(false)
    })
  })

  describe('members', () => {
    it('upsert() inserts, list() returns the organization members only', async () => {
      const orgId = randomUUID()
      const a = newMember(orgId, { role: 'admin' })
      const b = newMember(orgId, { createdAt: at(3) })
      const foreign = newMember(randomUUID())
      expect(await storage().members.upsert(a)).toStrictEqual(a)
      expect(await storage().members.upsert(b)).toStrictEqual(b)
      await storage().members.upsert(foreign)
      const listed = await storage().members.list(orgId)
      const sorted = [...listed].sort((x, y) => (x.agentId < y.agentId ? -1 : 1))
      expect(sorted).toStrictEqual([a, b].sort((x, y) => (x.agentId < y.agentId ? -1 : 1)))
      expect(await storage().members.list(randomUUID())).toStrictEqual([])
    })

    it('upsert() of an existing member changes its role and keeps one row', async () => {
      const orgId = randomUUID()
      const member = newMember(orgId, { role: 'member' })
      await storage().members.upsert(member)
      const updated = await storage().members.upsert({ ...member, role: 'admin', createdAt: at(9_999) })
      expect(updated).toMatchObject({ organizationId: orgId, agentId: member.agentId, role: 'admin' })
      const listed = await storage().members.list(orgId)
      expect(listed).toHaveLength(1)
      expect(listed[0]).toStrictEqual(updated)
      expect(listed[0]?.role).toBe('admin')
    })

    it('remove() deletes once and is scoped by organization', async () => {
      const orgId = randomUUID()
      const member = newMember(orgId)
      await storage().members.upsert(member)
      expect(await storage().members.remove(randomUUID(), member.agentId)).toBe(false)
      expect(await storage().members.list(orgId)).toHaveLength(1)
      expect(await storage().members.remove(orgId, member.agentId)).toBe(true)
      expect(await storage().members.remove(orgId, member.agentId)).toBe(false)
      expect(await storage().members.list(orgId)).toStrictEqual([])
    })
  })
}
