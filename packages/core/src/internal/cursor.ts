import { IdpError } from '../errors.js'

/** What a position may hold: a resource id (UUIDs, bootstrap ids) … */
const ID = /^[A-Za-z0-9_-]{1,64}$/
/** … and a timestamp exactly as `Date.prototype.toISOString()` writes it, years 0001–9999. */
const ISO_INSTANT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const BASE64URL = /^[A-Za-z0-9_-]{1,512}$/

/** Opaque cursor over a (timestamp, id) or (number, id) ordering. */
export function encodeCursor(position: readonly [string | number, string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

function isPositionKey(v: unknown): v is string | number {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0
  return typeof v === 'string' && ISO_INSTANT.test(v) && new Date(v).toISOString() === v
}

/**
 * Decodes a cursor, accepting only what {@link encodeCursor} produces for our orderings: a
 * non-negative safe integer or a canonical ISO instant, then a resource id. Cursors are not signed:
 * they only name a position in a list the caller may read anyway, so strict validation is what
 * keeps a forged one (a NUL, a date PostgreSQL cannot hold, a huge number) out of the query.
 *
 * @throws {IdpError} VALIDATION_ERROR for a cursor this server did not produce.
 */
export function decodeCursor(cursor: string): [string | number, string] {
  if (BASE64URL.test(cursor)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
      if (Array.isArray(value) && value.length === 2 && isPositionKey(value[0]) && typeof value[1] === 'string' && ID.test(value[1])) {
        return [value[0], value[1]]
      }
    } catch {
      // fall through to the uniform error
    }
  }
  throw new IdpError('VALIDATION_ERROR', 'Invalid cursor', { errors: [{ field: '/cursor', message: 'invalid cursor' }] })
}
