import { Type } from '@sinclair/typebox'
import { describe, expect, it } from 'vitest'
import { IdpError } from '../errors.js'
import { RegisterAgentBody } from '../schemas.js'
import { validate } from './validate.js'

function fieldErrors(schema: Parameters<typeof validate>[0], input: unknown) {
  try {
    validate(schema, input)
  } catch (err) {
    if (err instanceof IdpError && err.code === 'VALIDATION_ERROR') return err.errors ?? []
    throw err
  }
  throw new Error('expected a validation error')
}

const agent = { name: 'n', agentType: 'custom', version: '1.0.0', capabilities: [], owner: 'o', deploymentEnv: 'staging' }

/** @see issue 10, finding 2 (ReDoS) and finding 9 (bad input answered 500). */
describe('validate()', () => {
  it('never runs a pattern on a string that failed its length check', () => {
    const schema = Type.Object({ code: Type.String({ maxLength: 3, pattern: '^x+$' }), other: Type.String({ pattern: '^y$' }) })
    // `code` fails both maxLength and pattern: only the length is reported, so the pattern never ran.
    expect(fieldErrors(schema, { code: 'zzzzzz', other: 'y' })).toEqual([{ field: '/code', message: expect.stringMatching(/length/i) }])
    // With every length right, patterns are checked and every failure is listed.
    expect(fieldErrors(schema, { code: 'zz', other: 'n' }).map((e) => e.field)).toEqual(['/code', '/other'])
  })

  it('rejects the email that used to backtrack quadratically, with its length error only', () => {
    const email = `a@${'.'.repeat(40_000)}@`
    expect(fieldErrors(RegisterAgentBody, { ...agent, email })).toEqual([{ field: '/email', message: expect.stringMatching(/length/i) }])
  })

  it('email pattern: ordinary addresses pass, malformed ones do not', () => {
    for (const email of ['a@b.co', 'first.last+tag@sub.example.org', 'x@y.z.w']) expect(validate(RegisterAgentBody, { ...agent, email }).email).toBe(email)
    for (const email of ['a@b', 'a@.b', 'a@b.', 'a@b..c', 'a b@c.d', '@b.c', 'a@b@c.d', `a@${'.'.repeat(200)}@`]) {
      expect(fieldErrors(RegisterAgentBody, { ...agent, email }).map((e) => e.field), email).toEqual(['/email'])
    }
  })

  it('rejects NUL, lone surrogates and unsafe numbers anywhere in the input', () => {
    expect(fieldErrors(RegisterAgentBody, { ...agent, name: 'a\u0000b' })).toEqual([{ field: '/name', message: expect.stringMatching(/NUL/) }])
    expect(fieldErrors(RegisterAgentBody, { ...agent, description: 'x\uDC00' })).toEqual([{ field: '/description', message: expect.stringMatching(/surrogate/) }])
    const schema = Type.Object({ n: Type.Integer({ minimum: 1 }) })
    expect(fieldErrors(schema, { n: 99999999999999999999 })).toEqual([{ field: '/n', message: expect.stringMatching(/between/) }])
  })
})
