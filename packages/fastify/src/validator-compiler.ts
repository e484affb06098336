/**
 * The Ajv instances behind every route schema of the binding. They are created here rather than
 * taken from the host server so that validation behaves the same whatever Ajv options the host
 * passed to Fastify: unknown fields are rejected (never silently removed), every error is reported,
 * defaults are applied, and types are coerced only where HTTP carries strings (querystring, params).
 *
 * @module
 */
import { Ajv, type Options as AjvOptions, type ValidateFunction } from 'ajv'
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

function createAjv(coerceTypes: AjvOptions['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...BASE, coerceTypes })
  addFormats(ajv)
  return ajv
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
    const validate: ValidateFunction = ajv.compile(schema as object)
    return validate
  }
}
