/**
 * The embedded database's data directory and start parameters: a directory PGlite 0.3 wrote
 * (PostgreSQL 17) is refused before PostgreSQL 18 touches it, PostgreSQL runs with fsync on, and
 * `shared_buffers` is the documented default or the one given.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { isIdpError, type IdpError } from '@sentryagent/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPgliteStorage, openPgliteWorker } from '../src/index.js'
import { localDataDir } from '../src/internal/pglite-data-dir.js'
import { DEFAULT_PGLITE_SHARED_BUFFERS, pgliteStartParams } from '../src/pglite-start.js'
import { rejection } from './rejection.js'

function thrown(fn: () => unknown): IdpError<string> {
  try {
    fn()
  } catch (err) {
    if (isIdpError(err)) return err
    throw err
  }
  throw new Error('expected a throw')
}

/** Every file under `dir` with its content, to compare a directory before and after. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    out[path.slice(dir.length)] = await readFile(path, 'base64')
  }
  return out
}

describe('PGlite data directory', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'agentidp-pglite-dir-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('refuses a PostgreSQL 17 directory (PGlite 0.3) with CONFIG_INVALID, in process and in the worker, and leaves it untouched', async () => {
    // The files PostgreSQL 17's initdb leaves that a version check would meet first.
    const dataDir = join(root, 'pglite')
    await mkdir(join(dataDir, 'global'), { recursive: true })
    await writeFile(join(dataDir, 'PG_VERSION'), '17\n')
    await writeFile(join(dataDir, 'global', 'pg_control'), Buffer.alloc(8192, 7))
    await writeFile(join(dataDir, 'postgresql.conf'), "shared_buffers = 128MB\n")
    const before = await snapshot(dataDir)

    for (const worker of [false, true]) {
      const err = await rejection(createPgliteStorage({ dataDir, worker }))
      expect(err.code).toBe('CONFIG_INVALID')
      expect(err.message).toContain('PostgreSQL 17')
      expect(err.message).toContain('PostgreSQL 18')
      expect(err.message).toContain(dataDir)
      expect(err.message).toContain('docs/quick-start.md')
    }
    expect(thrown(() => openPgliteWorker(dataDir)).code).toBe('CONFIG_INVALID')
    expect(thrown(() => openPgliteWorker(`file://${dataDir}`)).code).toBe('CONFIG_INVALID')
    expect(await snapshot(dataDir)).toEqual(before)
  })

  it('creates a new directory (a child process runs initdb), reopens it, and runs with fsync on and shared_buffers as configured', async () => {
    const dataDir = join(root, 'nested', 'pglite')
    await mkdir(join(root, 'nested'))
    const first = openPgliteWorker(dataDir)
    try {
      await first.waitReady
      expect((await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).trim()).toBe('18')
      const settings = await first.query<{ name: string; setting: string; unit: string | null }>(
        "select name, setting, unit from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections') order by name",
      )
      expect(Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]))).toEqual({
        fsync: 'on',
        full_page_writes: 'on',
        max_connections: '16',
        // shared_buffers in 8kB pages: 16MB.
        shared_buffers: String((16 * 1024) / 8),
        synchronous_commit: 'on',
      })
      await first.query('create table kept (v text)')
      await first.query("insert into kept values ('across a reopen')")
    } finally {
      await first.close()
    }
    const second = openPgliteWorker(dataDir, { sharedBuffers: '8MB' })
    try {
      await second.waitReady
      expect((await second.query<{ shared_buffers: string }>('show shared_buffers')).rows).toEqual([{ shared_buffers: '8MB' }])
      expect((await second.query<{ fsync: string }>('show fsync')).rows).toEqual([{ fsync: 'on' }])
      expect((await second.query<{ v: string }>('select v from kept')).rows).toEqual([{ v: 'across a reopen' }])
    } finally {
      await second.close()
    }
  }, 180_000)

  it('opens a new directory in process the same way: created, then reopened with its data', async () => {
    const dataDir = join(root, 'pglite')
    const now = new Date()
    const org = { organizationId: 'org-p', name: 'Org', slug: 'org-p', planTier: 'free' as const, maxAgents: 10, status: 'active' as const, createdAt: now, updatedAt: now }
    const first = await createPgliteStorage({ dataDir, sharedBuffers: '8MB' })
    try {
      await first.organizations.insert(org)
    } finally {
      await first.close()
    }
    expect((await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).trim()).toBe('18')
    const second = await createPgliteStorage({ dataDir })
    try {
      expect(await second.organizations.find('org-p')).toMatchObject({ organizationId: 'org-p' })
    } finally {
      await second.close()
    }
  }, 180_000)

  it('rejects a malformed sharedBuffers and sharedBuffers with an instance it did not open', async () => {
    for (const sharedBuffers of ['16', '16mb', '0MB', '16MB; fsync=off', '-1']) {
      expect((await rejection(createPgliteStorage({ sharedBuffers }))).code).toBe('CONFIG_INVALID')
      expect(thrown(() => openPgliteWorker(undefined, { sharedBuffers })).code).toBe('CONFIG_INVALID')
    }
    const pglite = new PGlite()
    try {
      expect((await rejection(createPgliteStorage({ pglite, sharedBuffers: '8MB' }))).code).toBe('CONFIG_INVALID')
    } finally {
      await pglite.close()
    }
  }, 60_000)

  it('starts PostgreSQL with PGlite’s parameters minus -F (fsync off), plus shared_buffers and max_connections', () => {
    const params = pgliteStartParams(PGlite.defaultStartParams, DEFAULT_PGLITE_SHARED_BUFFERS)
    expect(PGlite.defaultStartParams).toContain('-F')
    expect(params).not.toContain('-F')
    expect(params[0]).toBe('--single')
    expect(params.slice(-4)).toEqual(['-c', 'shared_buffers=16MB', '-c', 'max_connections=16'])
    expect(params.length).toBe(PGlite.defaultStartParams.length - 1 + 4)
  })

  it('checks local directories only: file:// is a path, memory:// and idb:// are not', () => {
    expect(localDataDir('./data/pglite')).toBe('./data/pglite')
    expect(localDataDir('file:///srv/pglite')).toBe('/srv/pglite')
    expect(localDataDir('memory://')).toBeUndefined()
    expect(localDataDir('idb://agentidp')).toBeUndefined()
  })
})
