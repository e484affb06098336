import type { Static, TSchema } from '@sinclair/typebox'
import { FormatRegistry } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { IdpError } from '../errors.js'

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()

/**
 * Checks `input` against a TypeBox schema, so that library users get the same validation as the
 * HTTP binding. @throws {IdpError} VALIDATION_ERROR listing every offending field.
 */
export function validate<T extends TSchema>(schema: T, input: unknown): Static<T> {
  let check = compiled.get(schema)
  if (check === undefined) {
    check = TypeCompiler.Compile(schema)
    compiled.set(schema, check)
  }
  if (check.Check(input)) return input as Static<T>
  const errors = [...check.Errors(input)].map((e) => ({ field: e.path === '' ? '/' : e.path, message: e.message }))
  throw new IdpError('VALIDATION_ERROR', 'The request is invalid', { errors })
}
