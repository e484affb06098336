/**
 * The documentation site: VitePress over `docs/` (the single source of every page — guides written
 * by hand, reference pages generated from the code by `npm run docs:api`). A page added to `docs/`
 * (a plugin's guide) appears in the sidebar without touching this file; links that leave `docs/`
 * (source files, `bench/`, `deploy/`) point at the repository.
 */
import { dirname, posix, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitepress'
import { sidebar } from './sidebar.js'
import { githubSlug } from './slug.js'

const here = dirname(fileURLToPath(import.meta.url))
const docsDir = resolve(here, '../../docs')
const repoRoot = resolve(here, '../..')
/** Where links to files outside `docs/` go. */
const SOURCE_URL = process.env['DOCS_SOURCE_URL'] ?? 'https://github.com/sentryagent/agentidp/blob/main'

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
    sidebar: sidebar(docsDir),
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
