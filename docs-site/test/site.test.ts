/**
 * The site's own machinery: pages dropped into docs/ join the sidebar, heading anchors match
 * GitHub's (one link works in both), and the link checker fails on a dead page or anchor.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { sidebar } from '../.vitepress/sidebar.js'
import { githubSlug } from '../.vitepress/slug.js'

const run = promisify(execFile)
const checker = fileURLToPath(new URL('../check-links.mjs', import.meta.url))
const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'docs-site-'))
  dirs.push(dir)
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), text)
  }
  return dir
}

describe('sidebar', () => {
  it('places known pages in order and every other page of docs/ under Guides, by title', async () => {
    const docs = await tree({
      'quick-start.md': '# Quick start\n',
      'credentials.md': '# Credentials and rotation\n',
      'webhooks.md': '# Webhooks\n',
      'billing.md': '---\ntitle: x\n---\n# Billing and `tiers`\n',
      'api.md': '# API reference\n',
      'reference/scopes.md': '# Scopes\n',
      'runbooks/index.md': '# Runbooks\n',
      'runbooks/redis-loss.md': '# Redis loss\n',
    })
    const bar = sidebar(docs)
    expect(bar.find((g) => g.text === 'Introduction')?.items).toEqual([{ text: 'Quick start', link: '/quick-start' }])
    expect(bar.find((g) => g.text === 'Guides')?.items).toEqual([
      { text: 'Credentials and rotation', link: '/credentials' },
      { text: 'Billing and tiers', link: '/billing' },
      { text: 'Webhooks', link: '/webhooks' },
    ])
    expect(bar.find((g) => g.text === 'Runbooks')?.items?.map((i) => i.link)).toEqual(['/runbooks/', '/runbooks/redis-loss'])
    expect(bar.find((g) => g.text === 'Reference (generated)')?.items?.map((i) => i.link)).toEqual(['/api', '/reference/scopes'])
    expect(bar.map((g) => g.text)).not.toContain('Build with it') // no page of it exists here
  })
})

describe('githubSlug', () => {
  it.each([
    ['What the audit chain proves — and what it does not', 'what-the-audit-chain-proves--and-what-it-does-not'],
    ['Without a shared secret: private_key_jwt', 'without-a-shared-secret-private_key_jwt'],
    ['HTTP edge: limits, proxies, CORS', 'http-edge-limits-proxies-cors'],
    ['Options (createIdp)', 'options-createidp'],
    ['Delegation (RFC 8693)', 'delegation-rfc-8693'],
  ])('%s → %s', (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug)
  })
})

describe('check-links', () => {
  const page = (body: string, ids: string[] = []) => `<html><body>${ids.map((id) => `<h2 id="${id}">x</h2>`).join('')}${body}</body></html>`

  it('passes when every internal page and anchor exists', async () => {
    const dist = await tree({
      'index.html': page('<a href="/guide.html#setup">a</a><a href="./guide#setup">b</a><a href="https://example.com/x#y">c</a><a href="#top">d</a>', ['top']),
      'guide.html': page('<a href="/">home</a>', ['setup']),
      'assets/style.css': '',
    })
    const { stdout } = await run(process.execPath, [checker, dist])
    expect(stdout).toMatch(/links ok: 4 internal links in 2 pages/)
  })

  it('fails on a missing page and on a missing anchor, listing each', async () => {
    const dist = await tree({
      'index.html': page('<a href="/gone.html">a</a><a href="/guide.html#nope">b</a><a href="#here">c</a>'),
      'guide.html': page('', ['setup']),
    })
    const failure = await run(process.execPath, [checker, dist]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )
    expect(failure?.code).toBe(1)
    expect(failure?.stderr).toContain('3 broken internal link(s)')
    expect(failure?.stderr).toContain('index.html: /gone.html (no such page)')
    expect(failure?.stderr).toContain('index.html: /guide.html#nope (no such anchor)')
    expect(failure?.stderr).toContain('index.html: #here (no such anchor)')
  })
})
