import { describe, expect, it } from 'vitest'
import { IdpApiError } from '../idp-api-error.js'
import { apiErrorFrom, readApiError } from './read-api-error.js'

const NOW = new Date('2026-01-01T00:00:00Z')

describe('apiErrorFrom', () => {
  it('maps problem+json (RFC 9457) with the stable code, request id and field errors', () => {
    const res = new Response(null, { status: 400, headers: { 'x-request-id': 'from-header' } })
    const e = apiErrorFrom(res, { type: 't', title: 'Validation failed', status: 400, detail: 'bad slug', code: 'VALIDATION_ERROR', requestId: 'r1', errors: [{ field: '/slug', message: 'pattern' }] }, NOW)
    expect(e).toBeInstanceOf(IdpApiError)
    expect(e).toMatchObject({ code: 'VALIDATION_ERROR', status: 400, detail: 'bad slug', requestId: 'r1', errors: [{ field: '/slug', message: 'pattern' }] })
    expect(e.message).toBe('VALIDATION_ERROR (400): bad slug')
  })

  it('maps OAuth errors (RFC 6749 §5.2) to upper-cased codes, with Retry-After', () => {
    const res = new Response(null, { status: 429, headers: { 'retry-after': '7', 'x-request-id': 'r2' } })
    expect(apiErrorFrom(res, { error: 'invalid_client', error_description: 'Client authentication failed' }, NOW)).toMatchObject({
      code: 'INVALID_CLIENT', oauthError: 'invalid_client', detail: 'Client authentication failed', requestId: 'r2', retryAfterSeconds: 7,
    })
  })

  it('never copies an unknown body into the error (it may echo secrets)', async () => {
    const res = new Response('<html>secret=hunter2</html>', { status: 502, statusText: 'Bad Gateway' })
    const e = await readApiError(res)
    expect(e).toMatchObject({ code: 'INTERNAL', status: 502, detail: 'HTTP 502 Bad Gateway' })
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain('hunter2')
    expect(apiErrorFrom(new Response(null, { status: 404 }), undefined, NOW).code).toBe('NOT_FOUND')
  })
})
