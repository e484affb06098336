import { timingSafeEqual } from 'node:crypto'

/**
 * Compares two hex digests in constant time. Every comparison of secrets goes through here.
 * Digests of different lengths compare unequal (the length of a SHA-256 digest is public).
 */
export function constantTimeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  if (x.length !== y.length || x.length === 0) return false
  return timingSafeEqual(x, y)
}
