/**
 * The sidebar, computed from the files of `docs/` at build time: the hand-written pages in the order
 * below, then every other `docs/*.md` (a plugin's guide, once merged) under "Guides" by title, the
 * runbooks, and the generated reference. Adding a page never needs a change here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A sidebar entry (VitePress `DefaultTheme.SidebarItem`, the part used here). */
export interface SidebarItem {
  text: string
  link?: string
  collapsed?: boolean
  items?: SidebarItem[]
}

/** The order of the hand-written pages. */
export const GROUPS: readonly (readonly [string, readonly string[]])[] = [
  ['Introduction', ['quick-start.md', 'concepts.md']],
  ['Guides', ['credentials.md', 'private-key-jwt.md', 'dids.md', 'delegation.md', 'audit-verification.md', 'audit.md', 'sdk.md', 'cli.md']],
  ['Build with it', ['embedding.md', 'plugins.md']],
  ['Run it', ['operations.md', 'security.md', 'benchmarks.md', 'seed-compatibility.md']],
]

const markdownIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md')) : [])

/** The sidebar of the pages in `docsDir`. */
export function sidebar(docsDir: string): SidebarItem[] {
  /** The first `# heading` of a page (its sidebar title). */
  const titleOf = (file: string): string => {
    const m = /^#\s+(.+)$/m.exec(readFileSync(join(docsDir, file), 'utf8'))
    return (m?.[1] ?? file.replace(/\.md$/, '')).replaceAll('`', '')
  }
  const item = (file: string): SidebarItem => ({ text: titleOf(file), link: `/${file.replace(/(index)?\.md$/, '')}` })

  const pages = markdownIn(docsDir).filter((f) => f !== 'index.md' && f !== 'api.md')
  const placed = new Set(GROUPS.flatMap(([, files]) => files))
  const extra = pages.filter((f) => !placed.has(f)).sort((a, b) => titleOf(a).localeCompare(titleOf(b)))
  const groups = GROUPS.map(([text, files]) => ({
    text,
    items: [...files.filter((f) => pages.includes(f)).map(item), ...(text === 'Guides' ? extra.map(item) : [])],
  }))
  const sub = (dir: string, first: string[] = []) => [...first, ...markdownIn(join(docsDir, dir)).filter((f) => !first.includes(`${dir}/${f}`)).sort().map((f) => `${dir}/${f}`)]
  const runbooks = sub('runbooks', existsSync(join(docsDir, 'runbooks/index.md')) ? ['runbooks/index.md'] : [])
  const reference = [...(existsSync(join(docsDir, 'api.md')) ? ['api.md'] : []), ...sub('reference')]
  return [
    ...groups.filter((g) => g.items.length > 0),
    ...(runbooks.length > 0 ? [{ text: 'Runbooks', collapsed: true, items: runbooks.map(item) }] : []),
    { text: 'Reference (generated)', items: reference.map(item) },
  ]
}
