/**
 * The Ajv instances behind every route schema of the binding. They are created here rather than
 * taken from the host server so that validation behaves the same whatever Ajv options the host
 * passed to Fastify: unknown fields are rejected (never silently removed), every error is reported,
 * defaults are applied, and types are coerced only where HTTP carries strings (querystring, params).
 *
 * Two rules hold for every schema, plugins' included, without being written in it:
 * - **Lengths before patterns.** `pattern` never runs on a string that failed its `maxLength`
 *   (Ajv's `allErrors` would otherwise run both, so a regular expression would see a 1 MiB string).
 * - **Well-formed input** ({@link malformedFields}): no NUL or lone surrogate in any string or field
 *   name, no number beyond ±2^53−1, at any depth of the validated part.
 *
 * @module
 */
import { malformedFields } from '@sentryagent/core'
import { Ajv, type AnySchemaObject, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

// ajv-formats ships CommonJS with `exports.default`; under NodeNext the default import may be the
// module object, so take whichever of the two is callable.
type AddFormats = (ajv: Ajv) => Ajv
const addFormats: AddFormats =
  typeof addFormatsModule === 'function'
    ? (addFormatsModule as unknown as AddFormats)
    : (addFormatsModule as unknown as { default: AddFormats }).default

const BASE: AjvOptions = {
  allErrors: true,
  removeAdditional: false,
  useDefaults: true,
  // `verbose` keeps `parentSchema` on errors, used to render "must be one of …" for unions.
  verbose: true,
  // TypeBox and OpenAPI annotations are not Ajv keywords; strict mode would log them to the console.
  strict: false,
  logger: false,
}

/** `true` when `s` has more than `max` code points (Ajv's `maxLength` unit), counting at most `max + 1`. */
function exceedsCodePoints(s: string, max: number): boolean {
  if (s.length <= max) return false
  if (s.length > 2 * max) return true // every code point is one or two code units
  let count = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) i++
    }
    if (++count > max) return true
  }
  return false
}

type PatternCheck = ((data: string) => boolean) & { errors?: Array<Partial<ErrorObject>> }

/**
 * Replaces Ajv's `pattern` with the same check guarded by the sibling `maxLength`: a string that is
 * too long is already reported by `maxLength`, and its pattern is not run at all.
 */
function addLengthGuardedPattern(ajv: Ajv): void {
  ajv.removeKeyword('pattern')
  ajv.addKeyword({
    keyword: 'pattern',
    type: 'string',
    schemaType: 'string',
    errors: true,
    compile(pattern: string, parentSchema: AnySchemaObject) {
      const regex = new RegExp(pattern, 'u')
      const maxLength: unknown = parentSchema['maxLength']
      const max = typeof maxLength === 'number' ? maxLength : Number.POSITIVE_INFINITY
      const check: PatternCheck = (data) => {
        if (exceedsCodePoints(data, max) || regex.test(data)) return true
        check.errors = [{ keyword: 'pattern', message: `must match pattern "${pattern}"`, params: { pattern } }]
        return false
      }
      return check
    },
  })
}

function createAjv(coerceTypes: AjvOptions['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...BASE, coerceTypes })
  addFormats(ajv)
  addLengthGuardedPattern(ajv)
  return ajv
}

/** An Ajv validate function that also applies the well-formed input rules after Ajv has run. */
function withInputRules(validate: ValidateFunction): ValidateFunction {
  const guarded = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const valid = validate(data, context)
    // After Ajv, so that numbers coerced from the query string are checked as numbers; Ajv may have
    // replaced the root itself (defaults, coercion) through `parentData`.
    const root = context === undefined ? data : (context.parentData as Record<string | number, unknown>)[context.parentDataProperty]
    const malformed = malformedFields(root).map(
      (e): ErrorObject => ({
        instancePath: e.field === '/' ? '' : e.field,
        schemaPath: '#',
        keyword: 'wellFormed',
        params: {},
        message: e.message,
      }),
    )
    guarded.errors = malformed.length === 0 ? validate.errors : [...malformed, ...(validate.errors ?? [])]
    return valid && malformed.length === 0
  }) as ValidateFunction
  // Fastify passes `parentData` (so that Ajv may replace the root) only to functions carrying it.
  Object.assign(guarded, { schema: validate.schema, schemaEnv: validate.schemaEnv })
  return guarded
}

/**
 * Creates a Fastify validator compiler with the binding's validation policy.
 *
 * @example
 * scope.setValidatorCompiler(createValidatorCompiler())
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = createAjv(false)
  const stringAjv = createAjv('array')
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : stringAjv
    // Ajv caches compiled functions by schema object, so a schema shared by routes compiles once.
    return withInputRules(ajv.compile(schema as object))
  }
}
