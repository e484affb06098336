/**
 * Anchored globs: `*` is one segment (never `/` nor `:`), `**` crosses separators, `\` escapes,
 * everything else is literal, and the match is always of the whole value.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { conditionProblems, conditionsMatch, GITHUB_ISSUER } from '../src/conditions.js'
import { globMatch, SEGMENT_SEPARATORS } from '../src/glob.js'

/** Escapes every glob metacharacter of a literal. */
const escape = (s: string) => s.replace(/[\\*]/g, (c) => `\\${c}`)
const text = fc.string({ unit: fc.constantFrom('a', 'b', '/', ':', '*', '\\', '.', '-', 'é'), maxLength: 12 })

describe('globMatch', () => {
  it('matches the documented examples', () => {
    expect(globMatch('refs/heads/*', 'refs/heads/main')).toBe(true)
    expect(globMatch('refs/heads/*', 'refs/heads/feature/x')).toBe(false)
    expect(globMatch('refs/heads/**', 'refs/heads/feature/x')).toBe(true)
    expect(globMatch('repo:acme/*', 'repo:acme/app:ref:refs/heads/main')).toBe(false)
    expect(globMatch('repo:acme/*:ref:refs/heads/main', 'repo:acme/app:ref:refs/heads/main')).toBe(true)
    expect(globMatch('system:serviceaccount:ci:*', 'system:serviceaccount:ci:builder')).toBe(true)
    expect(globMatch('system:serviceaccount:ci:*', 'system:serviceaccount:ci:a:b')).toBe(false)
    expect(globMatch('spiffe://example.org/ns/*/sa/web', 'spiffe://example.org/ns/prod/sa/web')).toBe(true)
    expect(globMatch('a\\*b', 'a*b')).toBe(true)
    expect(globMatch('a\\*b', 'axb')).toBe(false)
    expect(globMatch('dangling\\', 'dangling\\')).toBe(false)
    expect(globMatch('', '')).toBe(true)
    expect(globMatch('*', '')).toBe(true)
  })

  it('without wildcards is exactly equality (escaped literals)', () => {
    fc.assert(fc.property(text, text, (a, b) => globMatch(escape(a), b) === (a === b)))
  })

  it('is anchored: a match starts with the literal prefix and ends with the literal suffix', () => {
    fc.assert(
      fc.property(text, text, text, (prefix, suffix, value) => {
        const pattern = `${escape(prefix)}**${escape(suffix)}`
        const expected = value.length >= prefix.length + suffix.length && value.startsWith(prefix) && value.endsWith(suffix)
        return globMatch(pattern, value) === expected
      }),
    )
  })

  it('a single * never matches a separator, and matches every separator-free run', () => {
    fc.assert(
      fc.property(text, text, text, (prefix, middle, suffix) => {
        const pattern = `${escape(prefix)}*${escape(suffix)}`
        const value = `${prefix}${middle}${suffix}`
        const hasSeparator = [...middle].some((c) => SEGMENT_SEPARATORS.has(c))
        // Separator-free middles always match; a match on a middle with a separator must come from
        // another split of the value, never from * spanning that separator.
        if (!hasSeparator) return globMatch(pattern, value)
        return !globMatch(pattern, value) || [...value].filter((c) => SEGMENT_SEPARATORS.has(c)).length === [...`${prefix}${suffix}`].filter((c) => SEGMENT_SEPARATORS.has(c)).length
      }),
    )
  })

  it('agrees with a reference regular expression on random patterns', () => {
    const toRegex = (glob: string) => {
      let out = ''
      for (let i = 0; i < glob.length; i++) {
        const c = glob[i] as string
        if (c === '\\') out += (glob[++i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
        else if (c === '*' && glob[i + 1] === '*') {
          while (glob[i + 1] === '*') i++
          out += '[\\s\\S]*'
        } else if (c === '*') out += '[^/:]*'
        else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
      }
      return new RegExp(`^${out}$`, 'u')
    }
    const pattern = fc.string({ unit: fc.constantFrom('a', '/', ':', '*', '\\*'), maxLength: 8 })
    const value = fc.string({ unit: fc.constantFrom('a', '/', ':', '*'), maxLength: 10 })
    fc.assert(fc.property(pattern, value, (p, v) => globMatch(p, v) === toRegex(p).test(v)))
  })

  it('stays fast on adversarial patterns (no backtracking blow-up)', () => {
    const p = `${'*a'.repeat(200)}b`
    expect(globMatch(p, 'a'.repeat(4000))).toBe(false)
  })
})

describe('conditions', () => {
  const claims = { repository: 'acme/app', ref: 'refs/heads/main', 'kubernetes.io': { namespace: 'ci' }, run_number: 7 }
  it('match exactly or by glob, nested paths included, and never non-string claims', () => {
    expect(conditionsMatch([{ claim: 'repository', equals: 'acme/app' }, { claim: 'ref', glob: 'refs/heads/*' }], claims)).toBe(true)
    expect(conditionsMatch([{ claim: ['kubernetes.io', 'namespace'], equals: 'ci' }], claims)).toBe(true)
    expect(conditionsMatch([{ claim: 'repository', equals: 'acme/App' }], claims)).toBe(false)
    expect(conditionsMatch([{ claim: 'run_number', glob: '**' }], claims)).toBe(false)
    expect(conditionsMatch([{ claim: 'missing', glob: '**' }], claims)).toBe(false)
    expect(conditionsMatch([{ claim: ['__proto__'], glob: '**' }], claims)).toBe(false)
    expect(conditionsMatch([], claims)).toBe(false)
  })
  it('refuse GitHub policies that do not pin the owner', () => {
    expect(conditionProblems(GITHUB_ISSUER, [{ claim: 'ref', equals: 'refs/heads/main' }])).toHaveLength(1)
    expect(conditionProblems(GITHUB_ISSUER, [{ claim: 'repository', glob: '*/app' }])).toHaveLength(1)
    expect(conditionProblems(GITHUB_ISSUER, [{ claim: 'sub', glob: 'repo:**' }])).toHaveLength(1)
    expect(conditionProblems(GITHUB_ISSUER, [{ claim: 'repository', glob: 'acme/*' }])).toStrictEqual([])
    expect(conditionProblems(GITHUB_ISSUER, [{ claim: 'sub', glob: 'repo:acme/app:**' }])).toStrictEqual([])
    expect(conditionProblems(GITHUB_ISSUER, [{ claim: 'repository_owner', equals: 'acme' }])).toStrictEqual([])
    expect(conditionProblems('https://k8s.example', [])).toHaveLength(1)
    expect(conditionProblems('https://k8s.example', [{ claim: 'sub', equals: 'x', glob: 'y' }])).toHaveLength(1)
  })
})
