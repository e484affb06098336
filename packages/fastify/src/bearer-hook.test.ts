import { describe, expect, it } from 'vitest'
import { bearerToken } from './bearer-hook.js'
import { fromFastifyError } from './from-fastify-error.js'

describe('bearerToken', () => {
  it.each([
    [undefined, undefined],
    ['Basic abc', undefined],
    ['Bearer abc.def-ghi_~+/=', 'abc.def-ghi_~+/='],
    ['bearer   token', 'token'],
    ['Bearer', ''],
    ['Bearer two words', ''],
  ])('%s → %s', (header, token) => {
    expect(bearerToken(header)).toBe(token)
  })
})

describe('fromFastifyError', () => {
  it('maps content-type and body errors', () => {
    expect(fromFastifyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })?.code).toBe('PAYLOAD_TOO_LARGE')
    expect(fromFastifyError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })?.code).toBe('UNSUPPORTED_MEDIA_TYPE')
    expect(fromFastifyError({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 })?.code).toBe('INVALID_REQUEST')
    expect(fromFastifyError(Object.assign(new SyntaxError('Unexpected end'), { statusCode: 400 }))?.code).toBe('INVALID_REQUEST')
  })

  it('maps validation errors to VALIDATION_ERROR with field errors', () => {
    const e = fromFastifyError({
      validation: [{ instancePath: '/limit', keyword: 'maximum', message: 'must be <= 100', schemaPath: '#/maximum' }],
      validationContext: 'querystring',
      statusCode: 400,
    })
    expect(e?.code).toBe('VALIDATION_ERROR')
    expect(e?.message).toBe('Invalid query string')
    expect(e?.errors).toEqual([{ field: '/limit', message: 'must be <= 100' }])
  })

  it('maps other 4xx by status, keeps Retry-After, and leaves 5xx and plain errors alone', () => {
    const limited = fromFastifyError({ statusCode: 429, message: 'Rate limit exceeded', headers: { 'retry-after': '30' } })
    expect(limited?.code).toBe('RATE_LIMITED')
    expect(limited?.headers()['retry-after']).toBe('30')
    expect(fromFastifyError({ statusCode: 500, message: 'boom' })).toBeUndefined()
    expect(fromFastifyError(new Error('boom'))).toBeUndefined()
  })
})
