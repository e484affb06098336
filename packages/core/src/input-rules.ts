/**
 * Rules every input value obeys, whatever its schema (SPEC §1): text never contains NUL or a lone
 * UTF-16 surrogate, and numbers are finite and within ±2^53−1. Such values cannot be stored
 * (PostgreSQL rejects NUL in `text` and lone surrogates in `jsonb`), compared or hashed reliably,
 * so they are refused at validation with a 400 instead of failing later with a 500. Core's
 * `validate()` and the OAuth parameter readers apply them, and the Fastify binding applies them to
 * every validated part of every request, plugins' routes included.
 *
 * @module
 */
import type { FieldError } from './errors.js'

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const MALFORMED_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Most field errors one input reports; a body of a million bad strings does not need a million. */
const MAX_REPORTED = 20

/**
 * `true` when `text` holds no NUL character and no lone surrogate.
 *
 * @example
 * isWellFormedText('agent-1')   // true
 * isWellFormedText('a\u0000b')  // false
 */
export function isWellFormedText(text: string): boolean {
  return !MALFORMED_TEXT.test(text)
}

/**
 * `true` for a finite number within ±`Number.MAX_SAFE_INTEGER`: larger integers lose precision in
 * JavaScript and overflow `bigint` columns.
 */
export function isSafeNumber(n: number): boolean {
  return Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER
}

const escapePointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * Every place in `value` (strings, object keys, numbers, at any depth) that breaks the rules above,
 * as field errors with JSON pointers, at most 20. The walk is iterative, so deep nesting cannot
 * overflow the stack.
 *
 * @example
 * malformedFields({ name: 'a\u0000b', size: 1e20 })
 * // [{ field: '/name', message: … }, { field: '/size', message: … }]
 */
export function malformedFields(value: unknown): FieldError[] {
  const errors: FieldError[] = []
  const stack: Array<[unknown, string]> = [[value, '']]
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const [v, path] = stack.pop() as [unknown, string]
    const field = path === '' ? '/' : path
    if (typeof v === 'string') {
      if (!isWellFormedText(v)) errors.push({ field, message: 'must not contain NUL characters or lone surrogates' })
    } else if (typeof v === 'number') {
      if (!isSafeNumber(v)) errors.push({ field, message: `must be between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` })
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`])
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v)
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown]
        // The name itself is not echoed: it is the malformed part.
        if (!isWellFormedText(key)) errors.push({ field, message: 'has a field name with NUL characters or lone surrogates' })
        else stack.push([child, `${path}/${escapePointer(key)}`])
      }
    }
  }
  return errors
}
