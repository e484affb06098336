import { describe, expect, it } from 'vitest'
import { MAX_CLIENT_ID_LENGTH } from '@sentryagent/core'
import { isAcceptableClientId, limitKey } from './limit-keys.js'

describe('limitKey', () => {
  it('is bounded and holds none of its input', () => {
    const huge = 'x'.repeat(900_000)
    const key = limitKey('client-ip', huge, '203.0.113.7')
    expect(key).toMatch(/^client-ip:[A-Za-z0-9_-]{22}$/)
    expect(key).not.toContain('203.0.113.7')
  })

  it('separates kinds and parts', () => {
    expect(limitKey('ip', 'a')).not.toBe(limitKey('client', 'a'))
    expect(limitKey('client-ip', 'ab', 'c')).not.toBe(limitKey('client-ip', 'a', 'bc'))
    expect(limitKey('ip', '127.0.0.1')).toBe(limitKey('ip', '127.0.0.1'))
  })
})

describe('isAcceptableClientId', () => {
  it('accepts 1 to 255 printable characters', () => {
    expect(isAcceptableClientId('agt_0123')).toBe(true)
    expect(isAcceptableClientId('é'.repeat(MAX_CLIENT_ID_LENGTH))).toBe(true)
    expect(isAcceptableClientId('🙂')).toBe(true)
  })

  it('refuses empty, long, control characters and lone surrogates', () => {
    for (const id of ['', 'a'.repeat(256), 'a\u0000', '\tx', 'x\u007f', 'x\u0085', 'x\ud800', '\udc00x', 'x\ud800y']) {
      expect(isAcceptableClientId(id), JSON.stringify(id)).toBe(false)
    }
  })
})
