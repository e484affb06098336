/** Signatures: every header the plugin produces verifies with the `standardwebhooks` package. */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { generateSecret, signatureHeaders } from '../src/index.js'

describe('webhook signatures', () => {
  it('verify with standardwebhooks for any id and body, with either key of a rotation', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.jsonValue({ maxDepth: 3 }), fc.boolean(), (id, value, rotated) => {
        // Receivers parse JSON: the body is any JSON document.
        const body = JSON.stringify(value)
        const current = generateSecret()
        const previous = generateSecret()
        const now = Math.floor(Date.now() / 1000)
        const headers = signatureHeaders(id, now, body, rotated ? [current.key, previous.key] : [current.key])
        const verifyWith = (secret: string) => new Webhook(secret).verify(body, headers)
        expect(() => verifyWith(current.secret)).not.toThrow()
        if (rotated) expect(() => verifyWith(previous.secret)).not.toThrow()
        else expect(() => verifyWith(previous.secret)).toThrow()
        expect(headers['x-sentryagent-signature']).toBe(`sha256=${createHmac('sha256', current.key).update(body).digest('hex')}`)
        // A changed body or id fails.
        expect(() => new Webhook(current.secret).verify(`${body} `, headers)).toThrow()
        expect(() => new Webhook(current.secret).verify(body, { ...headers, 'webhook-id': `${id}x` })).toThrow()
      }),
      { numRuns: 200 },
    )
  })

  it('secrets are whsec_ + base64 of 32 random bytes', () => {
    const { secret, key } = generateSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(Buffer.from(secret.slice(6), 'base64')).toEqual(Buffer.from(key))
    expect(generateSecret().secret).not.toBe(secret)
  })
})
