/**
 * Storage contract: `marketplace` — only public, active agents of active, non-deleted organizations.
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Agent } from '../../model.js'
import type { Storage } from '../../ports/storage.js'
import { at, collectPages, newAgent, newOrganization } from './records.js'

/** Registers the marketplace cases; `storage()` is the current test's fresh storage. */
export function marketplaceContract(storage: () => Storage): void {
  describe('marketplace', () => {
    async function seed() {
      const org = newOrganization({ slug: `pub-${Date.now().toString(36)}-a`, name: 'Publisher A' })
      const suspendedOrg = newOrganization({ status: 'suspended' })
      const deletedOrg = newOrganization()
      for (const o of [org, suspendedOrg, deletedOrg]) await storage().organizations.insert(o)
      await storage().organizations.delete(deletedOrg.organizationId, at(9))
      const reader = newAgent(org.organizationId, { name: 'Invoice Reader', capabilities: ['invoices:read'], createdAt: at(3) })
      const mailer = newAgent(org.organizationId, { name: 'Mailer', description: 'sends INVOICES by mail', capabilities: ['email:send'], createdAt: at(1) })
      const third = newAgent(org.organizationId, { name: 'Third', capabilities: ['invoices:read', 'x:y'], createdAt: at(1) })
      const visible = [reader, mailer, third]
      const hidden: Agent[] = [
        newAgent(org.organizationId, { isPublic: false, name: 'Private invoice' }),
        newAgent(org.organizationId, { status: 'suspended', name: 'Suspended invoice' }),
        newAgent(org.organizationId, { status: 'decommissioned', name: 'Gone invoice' }),
        newAgent(suspendedOrg.organizationId, { name: 'invoice of suspended org' }),
        newAgent(deletedOrg.organizationId, { name: 'invoice of deleted org' }),
      ]
      for (const a of [...visible, ...hidden]) await storage().agents.insert(a)
      return { org, visible, hidden, reader, mailer, third }
    }

    it('search() returns only public active agents of active organizations, with their publisher, in (createdAt, agentId) order', async () => {
      const { org, visible } = await seed()
      const { items } = await collectPages(2, (cursor) => storage().marketplace.search({}, { limit: 2, cursor }))
      const expected = [...visible].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.agentId < b.agentId ? -1 : 1))
      expect(items.map((l) => l.agent)).toStrictEqual(expected)
      expect(items.every((l) => l.publisher.slug === org.slug && l.publisher.name === 'Publisher A')).toBe(true)
    })

    it('search() filters by q (name or description, case-insensitive), capability and publisher', async () => {
      const { org, reader, mailer, third } = await seed()
      const ids = async (filter: Parameters<Storage['marketplace']['search']>[0]) =>
        (await storage().marketplace.search(filter, { limit: 50 })).items.map((l) => l.agent.agentId).sort()
      expect(await ids({ q: 'invoice' })).toEqual([reader.agentId, mailer.agentId].sort())
      expect(await ids({ capability: 'invoices:read' })).toEqual([reader.agentId, third.agentId].sort())
      expect(await ids({ capability: 'invoices' })).toEqual([])
      expect(await ids({ publisher: org.slug, q: 'third' })).toEqual([third.agentId])
      expect(await ids({ publisher: 'someone-else' })).toEqual([])
      expect(await ids({ q: '%' })).toEqual([])
    })

    it('find() returns a listed agent and null for every hidden one', async () => {
      const { reader, hidden } = await seed()
      expect((await storage().marketplace.find(reader.agentId))?.agent).toStrictEqual(reader)
      for (const a of hidden) expect(await storage().marketplace.find(a.agentId)).toBeNull()
    })
  })
}
