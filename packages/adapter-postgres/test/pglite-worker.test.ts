/**
 * PGlite owned by a worker thread (`createPgliteStorage({ worker: true })`): the database files are
 * the same as in process, errors keep their mapping across the thread, and closing ends the thread.
 * The storage contract runs on it in contract.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { describe, expect, it } from 'vitest'
import { createPgliteStorage, openPgliteWorker } from '../src/index.js'
import { rejection } from './rejection.js'

const org = (id: string) => {
  const now = new Date()
  return { organizationId: id, name: 'Org', slug: id, planTier: 'free' as const, maxAgents: 10, status: 'active' as const, createdAt: now, updatedAt: now }
}

describe('PGlite in a worker thread', () => {
  it('writes the same database files as in process: what the worker committed survives a reopen without it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'agentidp-pglite-worker-'))
    try {
      const inWorker = await createPgliteStorage({ dataDir, worker: true })
      await inWorker.organizations.insert(org('org-w'))
      await inWorker.close()
      const inProcess = await createPgliteStorage({ dataDir })
      try {
        expect(await inProcess.organizations.find('org-w')).toMatchObject({ organizationId: 'org-w', slug: 'org-w' })
      } finally {
        await inProcess.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 180_000)

  it('keeps the SQLSTATE of errors across the thread: a duplicate is CONFLICT, a rolled-back transaction leaves nothing', async () => {
    const storage = await createPgliteStorage({ worker: true })
    try {
      await storage.organizations.insert(org('org-1'))
      expect((await rejection(storage.organizations.insert(org('org-1')))).code).toBe('CONFLICT')
      const boom = new Error('work failed')
      await expect(
        storage.transaction(async (tx) => {
          await tx.organizations.insert(org('org-2'))
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await storage.organizations.find('org-2')).toBeNull()
    } finally {
      await storage.close()
    }
  })

  it('an unmigrated database is INTERNAL (a statement error), not an outage', async () => {
    const storage = await createPgliteStorage({ worker: true, migrate: false })
    try {
      expect((await rejection(storage.agents.find('org', 'agent'))).code).toBe('INTERNAL')
    } finally {
      await storage.close()
    }
  })

  it('a closed storage yields DEPENDENCY_UNAVAILABLE', async () => {
    const storage = await createPgliteStorage({ worker: true })
    await storage.close()
    await storage.close()
    expect((await rejection(storage.organizations.find('x'))).code).toBe('DEPENDENCY_UNAVAILABLE')
  })

  it('concurrent transactions and reads are serialised, not interleaved', async () => {
    const storage = await createPgliteStorage({ worker: true })
    try {
      await storage.organizations.insert(org('org-c'))
      const writes = Array.from({ length: 20 }, (_, i) =>
        storage.transaction(async (tx) => {
          await tx.organizations.insert(org(`org-c${i}`))
          // Inside the transaction, its own uncommitted row is visible: statements are not interleaved.
          return (await tx.organizations.find(`org-c${i}`))?.slug
        }),
      )
      const reads = Array.from({ length: 20 }, () => storage.organizations.find('org-c'))
      expect(await Promise.all(writes)).toEqual(Array.from({ length: 20 }, (_, i) => `org-c${i}`))
      expect((await Promise.all(reads)).every((o) => o?.slug === 'org-c')).toBe(true)
      expect((await storage.organizations.list({ limit: 50 })).items).toHaveLength(21)
    } finally {
      await storage.close()
    }
  })

  it('refuses worker together with a PGlite instance, and reports a database that cannot be opened', async () => {
    const pglite = new PGlite()
    try {
      expect((await rejection(createPgliteStorage({ pglite, worker: true }))).code).toBe('CONFIG_INVALID')
    } finally {
      await pglite.close()
    }
    const handle = openPgliteWorker('/proc/agentidp-cannot-create-this')
    await expect(handle.waitReady).rejects.toThrow()
    await handle.close()
    expect((await rejection(createPgliteStorage({ dataDir: '/proc/agentidp-cannot-create-this', worker: true }))).code).toBe('DEPENDENCY_UNAVAILABLE')
  })
})
