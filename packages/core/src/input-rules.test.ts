import { describe, expect, it } from 'vitest'
import { isSafeNumber, isWellFormedText, malformedFields } from './input-rules.js'

/** @see issue 10, finding 9: NUL, lone surrogates and oversized numbers answered 500. */
describe('input rules', () => {
  it('text: NUL and lone surrogates are malformed, pairs and other characters are not', () => {
    for (const ok of ['', 'agent-1', 'é', '😀', '\u202Eevil', '\uFEFF', '\uFFFF', '\u0001', 'a\uD83D\uDE00b']) {
      expect(isWellFormedText(ok), JSON.stringify(ok)).toBe(true)
    }
    for (const bad of ['\u0000', 'a\u0000b', '\uD800', 'a\uD800b', '\uDC00', 'a\uDFFFb', '\uDE00\uD83D', '😀\uD800']) {
      expect(isWellFormedText(bad), JSON.stringify(bad)).toBe(false)
    }
  })

  it('numbers: finite and within ±2^53−1', () => {
    expect(isSafeNumber(Number.MAX_SAFE_INTEGER)).toBe(true)
    expect(isSafeNumber(-Number.MAX_SAFE_INTEGER)).toBe(true)
    expect(isSafeNumber(0.5)).toBe(true)
    expect(isSafeNumber(99999999999999999999)).toBe(false)
    expect(isSafeNumber(Number.POSITIVE_INFINITY)).toBe(false)
    expect(isSafeNumber(Number.NaN)).toBe(false)
  })

  it('malformedFields() names every offending place as a JSON pointer, field names included', () => {
    const input = {
      name: 'a\u0000b',
      nested: { 'x/y': ['ok', '\uD800'], size: 1e20 },
      ['k\u0000']: 'hidden',
      fine: ['a', 1, true, null],
    }
    expect(malformedFields(input)).toEqual([
      { field: '/', message: expect.stringMatching(/field name/) },
      { field: '/name', message: expect.stringMatching(/NUL/) },
      { field: '/nested/x~1y/1', message: expect.stringMatching(/NUL/) },
      { field: '/nested/size', message: expect.stringMatching(/between/) },
    ])
    expect(malformedFields('\u0000')).toEqual([{ field: '/', message: expect.any(String) }])
    expect(malformedFields({ a: ['b', { c: 1 }] })).toEqual([])
  })

  it('malformedFields() reports at most 20 fields and survives deep nesting', () => {
    expect(malformedFields(Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(20)
    let deep: unknown = '\u0000'
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(malformedFields(deep)).toHaveLength(1)
  })
})
