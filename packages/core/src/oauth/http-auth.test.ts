import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { challenge, parseBasic, parseBearer } from './http-auth.js'

const basicOf = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

describe('http-auth', () => {
  it('parseBasic round-trips any form-encoded client id and secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (id, secret) => {
        expect(parseBasic(basicOf(id, secret))).toEqual({ clientId: id, secret })
      }),
    )
  })

  it('parseBasic refuses malformed headers', () => {
    for (const h of [undefined, 'Bearer x', 'Basic', 'Basic !!!', `Basic ${Buffer.from(':secret').toString('base64')}`, `Basic ${Buffer.from('no-colon').toString('base64')}`, `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`]) {
      expect(parseBasic(h)).toBeNull()
    }
  })

  it('parseBearer separates absent, malformed and well-formed tokens', () => {
    expect(parseBearer(undefined)).toBeUndefined()
    expect(parseBearer('Basic abc')).toBeUndefined()
    expect(parseBearer('bearer abc.def-ghi_~+/==')).toBe('abc.def-ghi_~+/==')
    expect(parseBearer('Bearer')).toBe('')
    expect(parseBearer('Bearer a b')).toBe('')
    expect(parseBearer('Bearer a"b')).toBe('')
  })

  it('challenge quotes parameters so that a description can never break the header', () => {
    expect(challenge('Basic')).toBe('Basic realm="sentryagent", charset="UTF-8"')
    expect(challenge('Bearer')).toBe('Bearer')
    expect(challenge('Bearer', { error: 'insufficient_scope', scope: 'a:b c:d' })).toBe('Bearer error="insufficient_scope", scope="a:b c:d"')
    fc.assert(
      fc.property(fc.string(), (description) => {
        const header = challenge('Bearer', { error: 'invalid_token', description })
        expect(header).not.toMatch(/[\r\n]/)
        const m = /error_description="((?:[^"\\]|\\.)*)"$/.exec(header)
        expect(m).not.toBeNull()
      }),
    )
  })
})
