/**
 * Signatures of outgoing webhooks: the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one signature per valid
 * secret, space-separated) and `X-SentryAgent-Signature: sha256=<hex HMAC-SHA256 of the body>`
 * with the current secret. Secrets are `whsec_` + base64 of 32 random bytes; the HMAC key is
 * the 32 bytes.
 *
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto'

export const SECRET_PREFIX = 'whsec_'

/** A new signing secret, in the Standard Webhooks form. */
export function generateSecret(): { secret: string; key: Uint8Array } {
  const key = randomBytes(32)
  return { secret: `${SECRET_PREFIX}${key.toString('base64')}`, key }
}

/** The secret's display form of stored key bytes. */
export function secretOf(key: Uint8Array): string {
  return `${SECRET_PREFIX}${Buffer.from(key).toString('base64')}`
}

export interface SignatureHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
  'x-sentryagent-signature': string
}

/**
 * Signs `body` with every key in `keys` (the current one first).
 * @param timestamp seconds since the epoch
 */
export function signatureHeaders(messageId: string, timestamp: number, body: string, keys: readonly Uint8Array[]): SignatureHeaders {
  const current = keys[0]
  if (current === undefined) throw new TypeError('signatureHeaders: no key')
  const signed = `${messageId}.${timestamp}.${body}`
  const signatures = keys.map((key) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`)
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
    'x-sentryagent-signature': `sha256=${createHmac('sha256', current).update(body).digest('hex')}`,
  }
}
