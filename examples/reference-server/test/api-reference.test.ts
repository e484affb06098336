/**
 * The committed reference pages are exactly what the code generates (`npm run docs:api`), and the
 * configuration table lists exactly the variables the configuration code reads.
 */
import { readdir, readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { collectReferenceSources, generateReferencePages, renderReferencePages } from '../src/api-reference.js'
import { CONFIG_VARIABLE_NAMES } from '../src/config-variables.js'
import { loadConfig } from '../src/config.js'
import { probeEntry } from './fixtures/test-plugin.js'

const docs = new URL('../../../docs/', import.meta.url)
const src = new URL('../src/', import.meta.url)

describe('generated reference pages', () => {
  it('match the routes, scopes, error codes, audit actions, metrics, variables and plugins of the code', async () => {
    const pages = await generateReferencePages()
    expect(pages['api.md']).toContain('| `POST` | `/oauth2/token` | client |')
    expect(pages['reference/errors.md']).toContain('| `INVALID_CLIENT` | 401 | `invalid_client` |')
    expect(pages['reference/metrics.md']).toContain('| `agentidp_db_pool_waiting_requests` | gauge |')
    expect(pages['reference/configuration.md']).toContain('| `SENTRYAGENT_MASTER_KEY` (secret) |')
    expect(pages['reference/options.md']).toContain('| `issuer` | `string` | **required** |')
    expect(pages['reference/options.md']).toContain('| `tokens.accessTokenTtlSeconds` | `number` | 3600 |')
    expect(pages['reference/options.md']).toContain("| `prefix` | `string` | '/api/v1' |")
    for (const [path, generated] of Object.entries(pages)) {
      const committed = await readFile(new URL(path, docs), 'utf8').catch(() => '(missing)')
      expect(committed, `docs/${path} is stale: run \`npm run docs:api\``).toBe(generated)
    }
    // Nothing stale left behind: every file of docs/reference/ is generated.
    const files = (await readdir(new URL('reference/', docs))).map((f) => `reference/${f}`)
    expect(files.sort()).toEqual(Object.keys(pages).filter((p) => p.startsWith('reference/')).sort())
  })
})

describe('reference pages of a server with a plugin', () => {
  it('document what the plugin contributes, attributed to it', async () => {
    const pages = renderReferencePages(await collectReferenceSources({ probe: probeEntry }))
    expect(pages['reference/plugins.md']).toContain('| `probe` | yes | `probe:write` | `probe.note_written`, `probe.token_issued` |')
    expect(pages['reference/scopes.md']).toContain('| `probe:write` | probe |')
    expect(pages['reference/scopes.md']).toContain('| `agents:read` | core |')
    expect(pages['reference/audit-actions.md']).toContain('| `probe.note_written` | probe |')
    expect(pages['reference/errors.md']).toMatch(/\| `PROBE_[A-Z_]+` \| \d{3} \|.*\| probe \|/)
    expect(pages['api.md']).toContain('`/api/v1/probe/notes`')
  })
})

describe('CONFIG_VARIABLES', () => {
  /** Every `'UPPER_CASE'` literal of the configuration modules: the names they read. */
  async function namesInConfigSources(): Promise<Set<string>> {
    const files = (await readdir(src)).filter((f) => /(^|-)config\.ts$/.test(f))
    expect(files).toContain('config.ts')
    const names = new Set<string>()
    for (const f of files) {
      for (const m of (await readFile(new URL(f, src), 'utf8')).matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) names.add(m[1] as string)
    }
    return names
  }

  it('lists each variable once', () => {
    expect(new Set(CONFIG_VARIABLE_NAMES).size).toBe(CONFIG_VARIABLE_NAMES.length)
  })

  it('lists exactly the variables the configuration code names', async () => {
    expect([...(await namesInConfigSources())].sort()).toEqual([...CONFIG_VARIABLE_NAMES].filter((n) => n.includes('_')).sort())
  })

  it('lists every variable loadConfig reads, also those read only when another is set', () => {
    const read = new Set<string>()
    const recording = (values: Record<string, string>) =>
      new Proxy(values, {
        get(target, key) {
          if (typeof key === 'string') read.add(key)
          return target[key as string]
        },
      })
    loadConfig(recording({}))
    loadConfig(recording({ VAULT_ADDR: 'http://vault:8200', VAULT_TOKEN: 't', REDIS_CLUSTER_NODES: 'a:1' }))
    const documented = new Set(CONFIG_VARIABLE_NAMES)
    expect([...read].filter((n) => !documented.has(n))).toEqual([])
    // …and the table names nothing loadConfig never reads.
    expect(CONFIG_VARIABLE_NAMES.filter((n) => !read.has(n))).toEqual([])
  })
})
