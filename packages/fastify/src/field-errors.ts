/**
 * Turns the Ajv errors Fastify attaches to a validation failure into the `errors[]` of a
 * `VALIDATION_ERROR` problem: one entry per offending field, as a JSON pointer, with a short
 * message. The offending value is never echoed.
 *
 * @module
 */
import type { FieldError } from '@sentryagent/core'

/** The part of an Ajv `ErrorObject` this module reads. */
interface AjvLikeError {
  instancePath?: unknown
  keyword?: unknown
  message?: unknown
  params?: unknown
  schemaPath?: unknown
  parentSchema?: unknown
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

const escapePointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1')

function pointer(base: string, child?: unknown): string {
  const path = typeof child === 'string' ? `${base}/${escapePointer(child)}` : base
  return path === '' ? '/' : path
}

/** `["a","b"]` when every branch of a union is a `const` (a TypeBox literal union), else undefined. */
function constChoices(parentSchema: unknown): string[] | undefined {
  if (!isRecord(parentSchema) || !Array.isArray(parentSchema.anyOf)) return undefined
  const values: string[] = []
  for (const branch of parentSchema.anyOf) {
    if (!isRecord(branch) || !('const' in branch)) return undefined
    values.push(JSON.stringify(branch.const))
  }
  return values
}

function describe(err: AjvLikeError): FieldError | undefined {
  const base = typeof err.instancePath === 'string' ? err.instancePath : ''
  const params = isRecord(err.params) ? err.params : {}
  switch (err.keyword) {
    case 'additionalProperties':
      return { field: pointer(base, params.additionalProperty), message: 'unknown field' }
    case 'required':
      return { field: pointer(base, params.missingProperty), message: 'is required' }
    case 'const':
      // A branch of a union; the enclosing `anyOf` error describes the field once.
      if (typeof err.schemaPath === 'string' && /\/anyOf\/\d+\/const$/.test(err.schemaPath)) return undefined
      break
    case 'anyOf': {
      const choices = constChoices(err.parentSchema)
      if (choices !== undefined) return { field: pointer(base), message: `must be one of ${choices.join(', ')}` }
      break
    }
  }
  const message = typeof err.message === 'string' ? err.message : 'is invalid'
  return { field: pointer(base), message }
}

/**
 * Maps Ajv errors to field errors, dropping duplicates and union-branch noise.
 *
 * @example
 * toFieldErrors(fastifyError.validation ?? [])  // [{ field: '/name', message: 'is required' }]
 */
export function toFieldErrors(errors: readonly unknown[]): FieldError[] {
  const out: FieldError[] = []
  const seen = new Set<string>()
  const typed = errors.filter(isRecord) as AjvLikeError[]
  // When a union error is present for a field, the per-branch type errors under it are noise.
  const unionPaths = new Set(
    typed.filter((e) => e.keyword === 'anyOf').map((e) => (typeof e.instancePath === 'string' ? e.instancePath : '')),
  )
  for (const err of typed) {
    const inUnion =
      typeof err.schemaPath === 'string' &&
      /\/anyOf\/\d+\//.test(err.schemaPath) &&
      unionPaths.has(typeof err.instancePath === 'string' ? err.instancePath : '')
    if (inUnion && err.keyword !== 'anyOf') continue
    const fe = describe(err)
    if (fe === undefined) continue
    const key = `${fe.field}\u0000${fe.message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(fe)
  }
  return out
}
