/**
 * The options tables of the library, read from the documented TypeScript interfaces themselves:
 * each property's name, type, `@default` and doc comment. The options reference page is rendered
 * from these rows, so a new or changed option shows there as soon as its interface says so.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import ts from 'typescript'

/** One option: `tokens.audience` for a nested property. */
export interface OptionRow {
  name: string
  type: string
  required: boolean
  default: string
  meaning: string
}

/** The option interfaces documented, by title. */
export const OPTION_SOURCES = [
  { title: '`createIdp()` — `@sentryagent/core`', file: 'packages/core/src/options.ts', name: 'IdpOptions' },
  { title: '`sentryAgentIdp` Fastify plugin — `@sentryagent/fastify`', file: 'packages/fastify/src/options.ts', name: 'SentryAgentIdpOptions' },
] as const

/** `/** text @default value *\/` → its text and default. */
function docOf(node: ts.Node, source: ts.SourceFile): { meaning: string; default: string } {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? []
  const raw = ranges
    .map((r) => source.text.slice(r.pos, r.end))
    .filter((c) => c.startsWith('/**'))
    .at(-1)
  if (raw === undefined) return { meaning: '', default: '' }
  const text = raw
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
  const at = text.indexOf('@default')
  return at === -1 ? { meaning: text, default: '' } : { meaning: text.slice(0, at).trim(), default: text.slice(at + '@default'.length).trim() }
}

function rowsOf(members: ts.NodeArray<ts.TypeElement>, source: ts.SourceFile, prefix: string): OptionRow[] {
  const rows: OptionRow[] = []
  for (const member of members) {
    if (!ts.isPropertySignature(member) || member.type === undefined) continue
    const name = `${prefix}${member.name.getText(source)}`
    const doc = docOf(member, source)
    if (ts.isTypeLiteralNode(member.type)) {
      rows.push(...rowsOf(member.type.members, source, `${name}.`))
      continue
    }
    rows.push({ name, type: member.type.getText(source).replace(/\s+/g, ' '), required: member.questionToken === undefined, ...doc })
  }
  return rows
}

/** The documented properties of interface `name` in `file` (relative to the repository root). */
export async function readOptions(file: string, name: string): Promise<OptionRow[]> {
  const text = await readFile(new URL(`../../../${file}`, import.meta.url), 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name)
  if (found === undefined) throw new Error(`interface ${name} not found in ${file}`)
  return rowsOf(found.members, source, '')
}
