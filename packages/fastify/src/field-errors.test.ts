import { describe, expect, it } from 'vitest'
import { toFieldErrors } from './field-errors.js'

describe('toFieldErrors', () => {
  it('names unknown and missing properties by pointer', () => {
    expect(
      toFieldErrors([
        { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'a/b' }, schemaPath: '#/additionalProperties' },
        { instancePath: '/nested', keyword: 'required', params: { missingProperty: 'x' }, schemaPath: '#/required' },
      ]),
    ).toEqual([
      { field: '/a~1b', message: 'unknown field' },
      { field: '/nested/x', message: 'is required' },
    ])
  })

  it('collapses a literal union into one "must be one of" entry', () => {
    const parentSchema = { anyOf: [{ const: 'a' }, { const: 'b' }] }
    expect(
      toFieldErrors([
        { instancePath: '/t', keyword: 'type', message: 'must be string', schemaPath: '#/properties/t/anyOf/0/type' },
        { instancePath: '/t', keyword: 'const', message: 'must be equal to constant', schemaPath: '#/properties/t/anyOf/0/const' },
        { instancePath: '/t', keyword: 'const', message: 'must be equal to constant', schemaPath: '#/properties/t/anyOf/1/const' },
        { instancePath: '/t', keyword: 'anyOf', message: 'must match a schema in anyOf', schemaPath: '#/properties/t/anyOf', parentSchema },
      ]),
    ).toEqual([{ field: '/t', message: 'must be one of "a", "b"' }])
  })

  it('reports the whole body as "/" and drops duplicates and non-objects', () => {
    const e = { instancePath: '', keyword: 'type', message: 'must be object', schemaPath: '#/type' }
    expect(toFieldErrors([e, e, 'junk', null])).toEqual([{ field: '/', message: 'must be object' }])
  })
})
