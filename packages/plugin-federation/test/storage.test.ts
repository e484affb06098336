/**
 * Contract of the federation tables on memory, PGlite and (when reachable; required under CI)
 * PostgreSQL: tenancy of every read, pagination, issuer look-ups, and rollback with core's writes.
 */
import { randomUUID } from 'node:crypto'
import { storageTargets, type StorageFixture as Fixture } from '@sentryagent/adapter-postgres/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Partner, TrustPolicy } from '../src/model.js'
import { federationRepo, federationStorage } from '../src/storage.js'

const targets = await storageTargets([federationStorage], 'fed')

const orgs = () => ({ one: randomUUID(), two: randomUUID(), platform: randomUUID(), x: randomUUID() })
const at = new Date('2026-01-02T03:04:05.000Z')
function policy(organizationId: string, overrides: Partial<TrustPolicy> = {}): TrustPolicy {
  return {
    policyId: randomUUID(),
    organizationId,
    name: 'deploy',
    issuer: 'https://token.actions.githubusercontent.com',
    audience: null,
    conditions: [{ claim: 'repository', equals: 'acme/app' }, { claim: ['kubernetes.io', 'namespace'], glob: 'ci-*' }],
    agentId: randomUUID(),
    scopes: ['agents:read'],
    mode: 'agent',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  }
}
function partner(organizationId: string, overrides: Partial<Partner> = {}): Partner {
  return {
    partnerId: randomUUID(),
    organizationId,
    name: 'idp-a',
    issuer: `https://idp-${randomUUID()}.example`,
    jwksUri: 'https://idp-a.example/.well-known/jwks.json',
    allowedOrganizations: ['org-a'],
    status: 'active',
    expiresAt: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  }
}

for (const target of targets) {
  describe(`federation storage (${target.name})`, () => {
    let fixture: Fixture
    beforeAll(async () => {
      fixture = await target.setup()
    }, 120_000)
    afterAll(async () => fixture.teardown())
    const storage = async () => fixture.storage

    it('stores, reads, updates and deletes trust policies within their organization only', async () => {
      const s = await storage()
      const o = orgs()
      const p = policy(o.one)
      await federationRepo(s).insertPolicy(p)
      expect(await federationRepo(s).findPolicy(o.one, p.policyId)).toStrictEqual(p)
      expect(await federationRepo(s).findPolicy(o.two, p.policyId)).toBeNull()
      expect(await federationRepo(s).listPolicies(o.two, { limit: 10 })).toStrictEqual([])

      const changed = { ...p, scopes: ['agents:read', 'audit:read'], audience: 'aud-x', updatedAt: new Date(at.getTime() + 1000) }
      // Another organization cannot change or delete it.
      await federationRepo(s).updatePolicy({ ...changed, organizationId: o.two })
      expect(await federationRepo(s).findPolicy(o.one, p.policyId)).toStrictEqual(p)
      expect(await federationRepo(s).deletePolicy(o.two, p.policyId)).toBe(false)

      await federationRepo(s).updatePolicy(changed)
      expect(await federationRepo(s).findPolicy(o.one, p.policyId)).toStrictEqual(changed)
      expect(await federationRepo(s).deletePolicy(o.one, p.policyId)).toBe(true)
      expect(await federationRepo(s).deletePolicy(o.one, p.policyId)).toBe(false)
      expect(await federationRepo(s).findPolicy(o.one, p.policyId)).toBeNull()
    })

    it('pages policies by id and finds every organization’s policies of an issuer', async () => {
      const s = await storage()
      const o = orgs()
      const issuer = `https://issuer-${randomUUID()}.example`
      const mine = Array.from({ length: 5 }, () => policy(o.one, { issuer }))
      const other = policy(o.two, { issuer })
      const elsewhere = policy(o.one, { issuer: 'https://gitlab.com' })
      for (const p of [...mine, other, elsewhere]) await federationRepo(s).insertPolicy(p)
      const ids = [...mine, elsewhere].map((p) => p.policyId).sort()
      const first = await federationRepo(s).listPolicies(o.one, { limit: 4 })
      expect(first.map((p) => p.policyId)).toStrictEqual(ids.slice(0, 4))
      const second = await federationRepo(s).listPolicies(o.one, { after: first.at(-1)?.policyId, limit: 4 })
      expect(second.map((p) => p.policyId)).toStrictEqual(ids.slice(4))
      const byIssuer = await federationRepo(s).policiesByIssuer(issuer)
      expect(byIssuer.map((p) => p.policyId).sort()).toStrictEqual([...mine, other].map((p) => p.policyId).sort())
      expect(await federationRepo(s).policiesByIssuer('https://nobody.example')).toStrictEqual([])
    })

    it('stores partners with a unique issuer, scoped to the registering organization', async () => {
      const s = await storage()
      const o = orgs()
      const p = partner(o.platform, { expiresAt: new Date('2027-01-01T00:00:00.000Z') })
      await federationRepo(s).insertPartner(p)
      expect(await federationRepo(s).findPartner(o.platform, p.partnerId)).toStrictEqual(p)
      expect(await federationRepo(s).findPartner(o.x, p.partnerId)).toBeNull()
      expect(await federationRepo(s).partnerByIssuer(p.issuer)).toStrictEqual(p)
      await expect(federationRepo(s).insertPartner(partner(o.platform, { issuer: p.issuer }))).rejects.toBeDefined()
      const suspended = { ...p, status: 'suspended' as const, allowedOrganizations: ['org-a', 'org-b'] }
      await federationRepo(s).updatePartner(suspended)
      expect(await federationRepo(s).partnerByIssuer(p.issuer)).toStrictEqual(suspended)
      expect(await federationRepo(s).listPartners(o.platform, { limit: 10 })).toStrictEqual([suspended])
      expect(await federationRepo(s).deletePartner(o.x, p.partnerId)).toBe(false)
      expect(await federationRepo(s).deletePartner(o.platform, p.partnerId)).toBe(true)
      expect(await federationRepo(s).partnerByIssuer(p.issuer)).toBeNull()
    })

    it('rolls its writes back with the transaction', async () => {
      const s = await storage()
      const o = orgs()
      const kept = policy(o.one)
      await federationRepo(s).insertPolicy(kept)
      const p = policy(o.one)
      const boom = new Error('boom')
      await expect(
        s.transaction(async (tx) => {
          await federationRepo(tx).insertPolicy(p)
          await federationRepo(tx).updatePolicy({ ...kept, name: 'changed' })
          await federationRepo(tx).insertPartner(partner(o.platform))
          expect(await federationRepo(tx).findPolicy(o.one, p.policyId)).not.toBeNull()
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await federationRepo(s).findPolicy(o.one, p.policyId)).toBeNull()
      expect(await federationRepo(s).findPolicy(o.one, kept.policyId)).toStrictEqual(kept)
      expect(await federationRepo(s).listPartners(o.platform, { limit: 10 })).toStrictEqual([])
    })
  })
}
