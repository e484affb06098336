import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { configPath, saveConfig } from './config-store.js'
import { resolveProfile, selectProfileName } from './context.js'
import { CliError } from './exit-codes.js'
import type { CliIo } from './output.js'

const dirs: string[] = []
const home = async () => {
  const d = await mkdtemp(join(tmpdir(), 'sentryagent-ctx-'))
  dirs.push(d)
  return d
}
const io = (homeDir: string, env: Record<string, string> = {}): CliIo => ({ stdout: new PassThrough(), stderr: new PassThrough(), stdin: Readable.from([]), env, homeDir })

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('profile selection', () => {
  it('--profile wins over SENTRYAGENT_PROFILE, which wins over the file default', () => {
    expect(selectProfileName('flag', { SENTRYAGENT_PROFILE: 'env' }, 'file')).toBe('flag')
    expect(selectProfileName(undefined, { SENTRYAGENT_PROFILE: 'env' }, 'file')).toBe('env')
    expect(selectProfileName(undefined, {}, 'file')).toBe('file')
    expect(selectProfileName(undefined, {}, undefined)).toBe('default')
  })

  it('overlays SENTRYAGENT_URL / _CLIENT_ID / _CLIENT_SECRET on the stored profile; all three need no file', async () => {
    const h = await home()
    await saveConfig(h, { defaultProfile: 'p', profiles: { p: { url: 'http://a', clientId: 'id', clientSecret: 'stored' } } })
    expect((await resolveProfile(io(h, { SENTRYAGENT_CLIENT_SECRET: 'env-secret' }), undefined)).profile).toEqual({ url: 'http://a', clientId: 'id', clientSecret: 'env-secret' })
    const empty = await home()
    expect((await resolveProfile(io(empty, { SENTRYAGENT_URL: 'http://b', SENTRYAGENT_CLIENT_ID: 'i', SENTRYAGENT_CLIENT_SECRET: 's' }), undefined)).name).toBe('default')
    await expect(resolveProfile(io(empty), undefined)).rejects.toMatchObject({ exitCode: 3 })
    await expect(resolveProfile(io(empty, { SENTRYAGENT_URL: 'http://b', SENTRYAGENT_CLIENT_ID: 'i' }), undefined)).rejects.toBeInstanceOf(CliError)
  })

  it('writes the file 0600 in a 0700 directory even under a permissive umask', async () => {
    const h = await home()
    const previous = process.umask(0o000)
    try {
      await saveConfig(h, { profiles: { a: { url: 'http://a', clientId: 'i', clientSecret: 's' } } })
    } finally {
      process.umask(previous)
    }
    expect((await stat(configPath(h))).mode & 0o777).toBe(0o600)
    expect((await stat(join(h, '.sentryagent'))).mode & 0o777).toBe(0o700)
  })
})
