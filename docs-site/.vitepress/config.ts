/**
 * The documentation site: VitePress over `docs/` (the single source of every page — guides written
 * by hand, reference pages generated from the code by `npm run docs:api`). A page added to `docs/`
 * (a plugin's guide) appears in the sidebar without touching this file; links that leave `docs/`
 * (source files, `bench/`, `deploy/`) point at the repository.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, posix, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type DefaultTheme } from 'vitepress'

const here = dirname(fileURLToPath(import.meta.url))
const docsDir = resolve(here, '../../docs')
const repoRoot = resolve(here, '../..')
/** Where links to files outside `docs/` go. */
const SOURCE_URL = process.env['DOCS_SOURCE_URL'] ?? 'https://github.com/sentryagent/agentidp/blob/main'

/** The first `# heading` of a page (its sidebar title). */
function titleOf(file: string): string {
  const m = /^#\s+(.+)$/m.exec(readFileSync(join(docsDir, file), 'utf8'))
  return (m?.[1] ?? file.replace(/\.md$/, '')).replaceAll('`', '')
}

const item = (file: string): DefaultTheme.SidebarItem => ({ text: titleOf(file), link: `/${file.replace(/(index)?\.md$/, '')}` })

/** The order of the hand-written pages; any other `docs/*.md` joins "Guides", by title. */
const GROUPS: [string, string[]][] = [
  ['Introduction', ['quick-start.md', 'concepts.md']],
  ['Guides', ['credentials.md', 'private-key-jwt.md', 'dids.md', 'delegation.md', 'audit-verification.md', 'audit.md', 'sdk.md', 'cli.md']],
  ['Build with it', ['embedding.md', 'plugins.md']],
  ['Run it', ['operations.md', 'security.md', 'benchmarks.md', 'seed-compatibility.md']],
]

function sidebar(): DefaultTheme.SidebarItem[] {
  const pages = readdirSync(docsDir).filter((f) => f.endsWith('.md') && f !== 'index.md' && f !== 'api.md')
  const placed = new Set(GROUPS.flatMap(([, files]) => files))
  const extra = pages.filter((f) => !placed.has(f)).sort((a, b) => titleOf(a).localeCompare(titleOf(b)))
  const groups = GROUPS.map(([text, files]) => ({
    text,
    items: [...files.filter((f) => pages.includes(f)).map(item), ...(text === 'Guides' ? extra.map(item) : [])],
  }))
  const runbooks = ['runbooks/index.md', ...readdirSync(join(docsDir, 'runbooks')).filter((f) => f.endsWith('.md') && f !== 'index.md').sort().map((f) => `runbooks/${f}`)]
  const reference = ['api.md', ...readdirSync(join(docsDir, 'reference')).filter((f) => f.endsWith('.md')).sort().map((f) => `reference/${f}`)]
  return [
    ...groups,
    { text: 'Runbooks', collapsed: true, items: runbooks.map(item) },
    { text: 'Reference (generated)', items: reference.map(item) },
  ]
}

/**
 * Heading anchors as GitHub computes them, so that one `page.md#anchor` link works both on GitHub
 * and in the site: lower case, punctuation other than `-` and `_` dropped, each space a `-`.
 */
export const githubSlug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-')

export default defineConfig({
  title: 'SentryAgent AgentIdP',
  description: 'An open-source identity provider for AI agents',
  srcDir: '../docs',
  lastUpdated: false,
  // Internal links to pages are checked by VitePress (a dead one fails the build); anchors by check-links.ts.
  ignoreDeadLinks: false,
  themeConfig: {
    nav: [
      { text: 'Quick start', link: '/quick-start' },
      { text: 'Guides', link: '/credentials' },
      { text: 'Reference', link: '/api' },
      { text: 'Operations', link: '/operations' },
    ],
    sidebar: sidebar(),
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
  markdown: {
    anchor: { slugify: githubSlug },
    config(md) {
      // Relative links that leave docs/ (../packages/…, ../bench/…, ../README.md) go to the repository.
      md.core.ruler.push('repository_links', (state) => {
        const page = (state.env as { relativePath?: string }).relativePath
        if (page === undefined) return
        for (const token of state.tokens) {
          for (const child of token.children ?? []) {
            if (child.type !== 'link_open') continue
            const href = child.attrGet('href')
            if (href === null || /^[a-z][a-z0-9+.-]*:|^#|^\//i.test(href)) continue
            const [path = '', hash] = href.split('#')
            const target = resolve(docsDir, dirname(page), path)
            if (!relative(docsDir, target).startsWith('..')) continue
            const inRepo = posix.normalize(relative(repoRoot, target).split('\\').join('/'))
            child.attrSet('href', `${SOURCE_URL}/${inRepo}${hash === undefined ? '' : `#${hash}`}`)
          }
        }
      })
    },
  },
})
