import type { Static, TSchema } from '@sinclair/typebox'
import { FormatRegistry } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { ValueErrorType } from '@sinclair/typebox/errors'
import { IdpError } from '../errors.js'
import { malformedFields } from '../input-rules.js'

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))
}

/** The full check, and the same schema without `pattern` and `format` (types, lengths, fields). */
interface Checks {
  full: TypeCheck<TSchema>
  shape: TypeCheck<TSchema>
}

const compiled = new WeakMap<TSchema, Checks>()

/** A deep copy of `schema` whose string schemas have no `pattern` or `format`; symbol keys (TypeBox's `Kind`) kept. */
function withoutPatterns(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutPatterns)
  if (typeof schema !== 'object' || schema === null) return schema
  const source = schema as Record<string | symbol, unknown>
  const isString = source['type'] === 'string'
  const copy: Record<string | symbol, unknown> = {}
  for (const key of Reflect.ownKeys(source)) {
    if (isString && (key === 'pattern' || key === 'format')) continue
    copy[key] = withoutPatterns(source[key])
  }
  return copy
}

function checksOf(schema: TSchema): Checks {
  let checks = compiled.get(schema)
  if (checks === undefined) {
    checks = { full: TypeCompiler.Compile(schema), shape: TypeCompiler.Compile(withoutPatterns(schema) as TSchema) }
    compiled.set(schema, checks)
  }
  return checks
}

const LENGTH_ERRORS = new Set<ValueErrorType>([ValueErrorType.StringMaxLength, ValueErrorType.StringMinLength])

/**
 * Checks `input` against a TypeBox schema, so that library users get the same validation as the
 * HTTP binding, plus the rules of every input (no NUL or lone surrogate, safe numbers).
 *
 * Regular expressions never see a string that failed its length check: the compiled check stops
 * at the first failure, and when it fails the errors are listed from the pattern-free shape first;
 * patterns are reported only when every length is right (ReDoS defence in depth, issue 10).
 *
 * @throws {IdpError} VALIDATION_ERROR listing every offending field.
 */
export function validate<T extends TSchema>(schema: T, input: unknown): Static<T> {
  const { full, shape } = checksOf(schema)
  const malformed = malformedFields(input)
  if (malformed.length === 0 && full.Check(input)) return input as Static<T>
  const shapeErrors = [...shape.Errors(input)]
  const errors = shapeErrors.some((e) => LENGTH_ERRORS.has(e.type)) ? shapeErrors : [...full.Errors(input)]
  const fields = [
    ...malformed,
    ...errors.map((e) => ({ field: e.path === '' ? '/' : e.path, message: e.message })),
  ]
  throw new IdpError('VALIDATION_ERROR', 'The request is invalid', { errors: fields })
}
