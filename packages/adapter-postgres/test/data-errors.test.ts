/**
 * Values that reach the database although validation should have refused them (a caller using the
 * storage directly, a rule validation missed) are the caller's fault: PostgreSQL's data exceptions
 * (SQLSTATE class 22) map to a 400 `INVALID_REQUEST`, never to a 500, and the transaction they
 * happen in leaves nothing behind.
 *
 * @see issue 10, finding 9
 */
import type { Storage } from '@sentryagent/core'
import { serviceReachable } from '@sentryagent/core/testing'
import { describe, expect, it } from 'vitest'
import { sharedPgliteFixtures } from '../src/internal/shared-pglite.js'
import { probePostgres, sharedPostgresFixtures } from './postgres-fixture.js'
import { rejection } from './rejection.js'

// One migrated database (PostgreSQL: schema) per target, emptied before each test (see contract.test.ts).
const targets: Array<{ name: string; open(): Promise<{ storage: Storage; teardown(): Promise<void> }> }> = [
  { name: 'pglite', open: sharedPgliteFixtures() },
  { name: 'pglite-worker', open: sharedPgliteFixtures({ worker: true }) },
  ...((await serviceReachable('postgres', probePostgres)) ? [{ name: 'pg', open: sharedPostgresFixtures() }] : []),
]

describe.each(targets)('data exceptions on $name', ({ open }) => {
  it('NUL in text and a date PostgreSQL cannot hold are INVALID_REQUEST', async () => {
    const { storage, teardown } = await open()
    try {
      for (const call of [
        () => storage.organizations.find('a\u0000b'),
        () => storage.credentials.findByClientId('a\u0000b'),
        () => storage.agents.list('org', { owner: 'a\u0000b' }, { limit: 5 }),
        () => storage.audit.list('org', { from: new Date(Date.UTC(-5000, 0, 1)) }, { limit: 5 }),
      ]) {
        const err = await rejection(call())
        expect(err.code).toBe('INVALID_REQUEST')
        expect(err.status).toBe(400)
        expect(err.message).not.toMatch(/select|from|\u0000/i)
      }
    } finally {
      await teardown()
    }
  })

  it('a data exception inside a transaction rolls the transaction back', async () => {
    const { storage, teardown } = await open()
    try {
      const now = new Date()
      const org = { organizationId: 'org-1', name: 'Org', slug: 'org-1', planTier: 'free' as const, maxAgents: 10, status: 'active' as const, createdAt: now, updatedAt: now }
      const err = await rejection(
        storage.transaction(async (tx) => {
          await tx.organizations.insert(org)
          await tx.organizations.insert({ ...org, organizationId: 'org-2', slug: 'org-2', name: 'bad\u0000name' })
        }),
      )
      expect(err.code).toBe('INVALID_REQUEST')
      expect(await storage.organizations.find('org-1')).toBeNull()
    } finally {
      await teardown()
    }
  })
})
