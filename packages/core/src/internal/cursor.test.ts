import { describe, expect, it } from 'vitest'
import { IdpError } from '../errors.js'
import { decodeCursor, encodeCursor } from './cursor.js'

const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** @see issue 10, finding 9: forged cursors reached the database and answered 500. */
describe('cursors', () => {
  it('round-trips what the server produces', () => {
    const at = new Date('2026-01-02T03:04:05.678Z').toISOString()
    expect(decodeCursor(encodeCursor([at, '0f8f6a4e-8d1c-4c39-9a63-4b9d2f0a1b2c']))).toEqual([at, '0f8f6a4e-8d1c-4c39-9a63-4b9d2f0a1b2c'])
    expect(decodeCursor(encodeCursor([42, 'admin-client']))).toEqual([42, 'admin-client'])
  })

  it.each([
    ['a NUL in the id', ['2026-01-02T03:04:05.678Z', 'a\u0000b']],
    ['a lone surrogate in the id', ['2026-01-02T03:04:05.678Z', '\uD800']],
    ['an id that is not an id', ['2026-01-02T03:04:05.678Z', "x' or 1=1"]],
    ['a date before year 1', ['-271821-04-20T00:00:00.000Z', 'x']],
    ['year 0000', ['0000-01-01T00:00:00.000Z', 'x']],
    ['a non-canonical date', ['2026-01-02', 'x']],
    ['an impossible date', ['2026-02-31T00:00:00.000Z', 'x']],
    ['a huge seq', [1e20, 'x']],
    ['a negative seq', [-1, 'x']],
    ['a fractional seq', [1.5, 'x']],
    ['three elements', [1, 'x', 'y']],
    ['an object', { seq: 1 }],
  ])('rejects a forged cursor with %s', (_name, position) => {
    expect(() => decodeCursor(forge(position))).toThrowError(IdpError)
  })

  it('rejects cursors that are not base64url or too long', () => {
    expect(() => decodeCursor('not base64!')).toThrowError(IdpError)
    expect(() => decodeCursor('%00')).toThrowError(IdpError)
    expect(() => decodeCursor('A'.repeat(600))).toThrowError(IdpError)
  })
})
