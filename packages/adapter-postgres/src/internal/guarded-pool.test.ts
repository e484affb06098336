import { describe, expect, it } from 'vitest'
import { isConnectionFault } from './guarded-pool.js'

const serverError = (code: string, severity = 'ERROR') => Object.assign(new Error('server said no'), { code, severity })

describe('isConnectionFault', () => {
  it('keeps a connection after a statement the server rejected', () => {
    for (const code of ['23505', '42P01', '57014', '40P01', '22P02']) expect(isConnectionFault(serverError(code))).toBe(false)
  })

  it('discards it after a client-side failure or a session-ending server error', () => {
    expect(isConnectionFault(new Error('Query read timeout'))).toBe(true)
    expect(isConnectionFault(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(isConnectionFault(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true)
    expect(isConnectionFault(serverError('57P01', 'FATAL'))).toBe(true)
    expect(isConnectionFault(serverError('08006', 'FATAL'))).toBe(true)
    expect(isConnectionFault('not even an error')).toBe(true)
  })
})
