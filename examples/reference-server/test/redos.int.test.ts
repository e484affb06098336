/**
 * No regular expression that may see request input can backtrack super-linearly. Every `pattern`
 * of every schema is collected generically — core's exported schemas, and the OpenAPI document of
 * the fully built reference server (so routes that plugins add are covered without listing them) —
 * together with every regular-expression literal and `new RegExp('…')` in the source of the
 * packages and the server, and each one is run through the `recheck` ReDoS checker. Patterned
 * strings must also declare a `maxLength`, which the validators check before the pattern.
 *
 * @see issue 10, finding 2
 */
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { schemas } from '@sentryagent/core'
import { check } from 'recheck'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TARGETS, startOn, type Running } from './harness.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..')

interface Found {
  source: string
  flags: string
  where: string
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/** Every `pattern` (and `patternProperties` key) in a JSON Schema tree, and patterned strings without `maxLength`. */
function schemaPatterns(root: unknown, where: string): { patterns: Found[]; unbounded: string[] } {
  const patterns: Found[] = []
  const unbounded: string[] = []
  const seen = new Set<unknown>()
  const stack: Array<[unknown, string]> = [[root, where]]
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string]
    if (!isRecord(node) || seen.has(node)) continue
    seen.add(node)
    if (typeof node['pattern'] === 'string') {
      // Ajv compiles patterns with the `u` flag, TypeBox without: check what each engine runs.
      patterns.push({ source: node['pattern'], flags: 'u', where: path }, { source: node['pattern'], flags: '', where: path })
      if (typeof node['maxLength'] !== 'number') unbounded.push(path)
    }
    if (isRecord(node['patternProperties'])) {
      for (const key of Object.keys(node['patternProperties'])) patterns.push({ source: key, flags: 'u', where: `${path}/patternProperties` })
    }
    for (const [key, child] of Object.entries(node)) stack.push([child, `${path}/${key}`])
  }
  return { patterns, unbounded }
}

/** Regular-expression literals and `new RegExp('literal', 'flags')` in a TypeScript file. */
function sourceRegExps(file: string, text: string): Found[] {
  const found: Found[] = []
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const visit = (node: ts.Node): void => {
    const where = `${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`
    if (ts.isRegularExpressionLiteral(node)) {
      const literal = node.text
      const end = literal.lastIndexOf('/')
      found.push({ source: literal.slice(1, end), flags: literal.slice(end + 1).replace(/[gy]/g, ''), where })
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
      const [source, flags] = node.arguments ?? []
      if (source !== undefined && ts.isStringLiteralLike(source)) {
        found.push({ source: source.text, flags: flags !== undefined && ts.isStringLiteralLike(flags) ? flags.text : '', where })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return found
}

/** Source files of every package and example (tests excluded: they never see request input). */
async function sourceFiles(): Promise<string[]> {
  const files: string[] = []
  for (const group of ['packages', 'examples']) {
    for (const entry of await readdir(join(ROOT, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const src = join(ROOT, group, entry.name, 'src')
      const names = await readdir(src, { recursive: true }).catch(() => [] as string[])
      for (const name of names) {
        if (/\.tsx?$/.test(name) && !/\.test(-d)?\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(join(src, name))
      }
    }
  }
  return files
}

async function assertLinear(found: Found[]): Promise<void> {
  const unique = new Map<string, Found>()
  for (const f of found) if (!unique.has(`${f.flags}/${f.source}`)) unique.set(`${f.flags}/${f.source}`, f)
  const failures: string[] = []
  for (const f of unique.values()) {
    const result = await check(f.source, f.flags, { timeout: 20_000, randomSeed: 10 })
    // `unknown` (the checker gave up) fails too: a pattern nobody can prove safe is not safe.
    if (result.status !== 'safe') {
      const complexity = result.status === 'vulnerable' ? ` (${result.complexity.summary})` : ''
      failures.push(`${result.status}${complexity}: /${f.source}/${f.flags} at ${f.where}`)
    }
  }
  expect(failures).toEqual([])
}

describe('ReDoS: every pattern that may see request input is linear', () => {
  it('the checker catches the email pattern of issue 10', async () => {
    const result = await check('^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', 'u', { randomSeed: 10 })
    expect(result.status).toBe('vulnerable')
  })

  it("core's exported schemas: every pattern is linear and bounded by maxLength", async () => {
    const { patterns, unbounded } = schemaPatterns(schemas, 'schemas')
    expect(patterns.length).toBeGreaterThan(5)
    expect(unbounded).toEqual([])
    await assertLinear(patterns)
  })

  it('every regular expression written in the packages and the server', async () => {
    const found: Found[] = []
    for (const file of await sourceFiles()) found.push(...sourceRegExps(relative(ROOT, file), await readFile(file, 'utf8')))
    expect(found.length).toBeGreaterThan(10)
    await assertLinear(found)
  })

  describe('the OpenAPI document of the reference server', () => {
    let server: Running
    beforeAll(async () => {
      server = await startOn(TARGETS[0] ?? (() => { throw new Error('no target') })())
    })
    afterAll(async () => server.close())

    it('every pattern of every operation is linear and bounded by maxLength', async () => {
      const doc: unknown = await (await fetch(`${server.url}/openapi.json`)).json()
      const { patterns, unbounded } = schemaPatterns(doc, '#')
      expect(patterns.length).toBeGreaterThan(5)
      expect(unbounded).toEqual([])
      await assertLinear(patterns)
    })
  })
})
