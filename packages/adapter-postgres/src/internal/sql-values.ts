/**
 * Value conversions shared by the repositories, so that `pg` and PGlite send and read the same
 * things: JSON as text cast to `jsonb`, `bigint` as number, opaque page cursors, LIKE patterns.
 *
 * @module
 */
import { IdpError, decodeCursor, encodeCursor } from '@sentryagent/core'
import { sql, type RawBuilder } from 'kysely'

/**
 * A `jsonb` parameter. The value is sent as text and cast by the server: `pg` would turn a JS
 * array into a Postgres array literal and PGlite serialises by the inferred type, so text is the
 * one encoding both drivers agree on.
 */
export function jsonb<T extends Record<string, unknown>>(value: T): RawBuilder<T> {
  return sql<T>`cast(${JSON.stringify(value)} as text)::jsonb`
}

/** A `bigint`/`int8` value as a JS number (`pg` returns a string, PGlite a number). */
export function int8(value: string | number | bigint): number {
  return typeof value === 'number' ? value : Number(value)
}

/** An ILIKE pattern matching `q` as a literal substring (`%`, `_` and `\` escaped). */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

function invalidCursor(): IdpError {
  return new IdpError('VALIDATION_ERROR', 'Invalid cursor', { errors: [{ field: '/cursor', message: 'invalid cursor' }] })
}

/** Cursor after a row ordered by (timestamp, id). */
export function encodeTimeCursor(at: Date, id: string): string {
  return encodeCursor([at.toISOString(), id])
}

/** @throws {IdpError} VALIDATION_ERROR for a cursor that this ordering did not produce. */
export function decodeTimeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = decodeCursor(cursor)
  const date = typeof at === 'string' ? new Date(at) : new Date(Number.NaN)
  if (Number.isNaN(date.getTime())) throw invalidCursor()
  return { at: date, id }
}

/** Cursor after an audit event (ordered by seq). */
export function encodeSeqCursor(seq: number, eventId: string): string {
  return encodeCursor([seq, eventId])
}

/** @throws {IdpError} VALIDATION_ERROR for a cursor that this ordering did not produce. */
export function decodeSeqCursor(cursor: string): number {
  const [seq] = decodeCursor(cursor)
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) throw invalidCursor()
  return seq
}

/** Splits a `limit + 1` fetch into a page: the extra row only signals that a next page exists. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (item: T) => string) {
  const items = rows.slice(0, limit).map(map)
  const last = items[items.length - 1]
  const nextCursor = rows.length > limit && last !== undefined ? cursorOf(last) : null
  return { items, nextCursor }
}
