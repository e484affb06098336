import { describe, expect, it } from 'vitest'
import { fastClone } from './fast-clone.js'

describe('fastClone', () => {
  it('deep-copies plain records, arrays and dates, sharing nothing mutable', () => {
    const at = new Date('2026-01-01T00:00:00Z')
    const src = { a: 1, s: 'x', n: null, u: undefined, at, list: [{ b: [1, 2] }], nested: { c: { d: true } } }
    const out = fastClone(src)
    expect(out).toEqual(src)
    expect(out.at).not.toBe(at)
    expect(out.at.getTime()).toBe(at.getTime())
    out.list[0]!.b.push(3)
    out.nested.c.d = false
    expect(src.list[0]!.b).toEqual([1, 2])
    expect(src.nested.c.d).toBe(true)
  })

  it('falls back to structuredClone for non-plain values', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const out = fastClone({ bytes, map: new Map([['k', 1]]) })
    expect(out.bytes).toEqual(bytes)
    expect(out.bytes).not.toBe(bytes)
    expect(out.map.get('k')).toBe(1)
  })

  it('keeps null-prototype objects and primitives', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { k: [1] })
    const out = fastClone(bare)
    expect(out['k']).toEqual([1])
    expect(out['k']).not.toBe(bare['k'])
    expect(fastClone(5)).toBe(5)
    expect(fastClone(null)).toBeNull()
  })
})
