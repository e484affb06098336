import { IdpError } from '../errors.js'

/** Opaque cursor over a (timestamp, id) or (number, id) ordering. */
export function encodeCursor(position: readonly [string | number, string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

/** @throws {IdpError} VALIDATION_ERROR for a cursor this server did not produce. */
export function decodeCursor(cursor: string): [string | number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (typeof value[0] === 'string' || typeof value[0] === 'number') &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]]
    }
  } catch {
    // fall through to the uniform error
  }
  throw new IdpError('VALIDATION_ERROR', 'Invalid cursor', { errors: [{ field: '/cursor', message: 'invalid cursor' }] })
}
