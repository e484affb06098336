/** Properties of the daily window (fast-check over the whole Date range the IdP meets). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { daysBetween, isUtcDay, previousDay, secondsUntilUtcMidnight, utcDay } from '../src/window.js'
import { PLANS, TIERS, isPlanTier } from '../src/plans.js'

const dates = fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true })

describe('the daily window', () => {
  it('resets exactly at the next UTC midnight, within one day', () => {
    fc.assert(
      fc.property(dates, (at) => {
        const s = secondsUntilUtcMidnight(at)
        expect(s).toBeGreaterThanOrEqual(1)
        expect(s).toBeLessThanOrEqual(86_400)
        // One second before the reset is still the same day; the reset is the next day.
        const reset = new Date(at.getTime() + s * 1000)
        expect(utcDay(new Date(Math.floor(at.getTime() / 1000) * 1000 + (s - 1) * 1000))).toBe(utcDay(at))
        expect(previousDay(utcDay(reset))).toBe(utcDay(at))
      }),
    )
  })

  it('accepts real calendar days only', () => {
    fc.assert(
      fc.property(dates, (at) => {
        expect(isUtcDay(utcDay(at))).toBe(true)
      }),
    )
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (isUtcDay(s)) expect(utcDay(new Date(`${s}T00:00:00Z`))).toBe(s)
      }),
    )
    const pad = (n: number, w: number) => String(n).padStart(w, '0')
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), (y, m, d) => {
        const day = `${y}-${pad(m, 2)}-${pad(d, 2)}`
        const t = Date.UTC(y, m - 1, d)
        const valid = m >= 1 && m <= 12 && d >= 1 && d <= 31 && new Date(t).getUTCMonth() === m - 1 && new Date(t).getUTCDate() === d
        expect(isUtcDay(day)).toBe(valid)
      }),
    )
    for (const bad of ['2026-02-30', '2026-13-01', '2026-1-01', '20260101', '2026-06-15T00:00:00Z', '']) expect(isUtcDay(bad)).toBe(false)
  })

  it('counts days inclusively and never negatively', () => {
    fc.assert(
      fc.property(dates, fc.integer({ min: -400, max: 400 }), (at, offset) => {
        const from = utcDay(at)
        const to = utcDay(new Date(Date.parse(`${from}T00:00:00Z`) + offset * 86_400_000))
        expect(daysBetween(from, to)).toBe(offset < 0 ? 0 : offset + 1)
      }),
    )
  })
})

describe('the plan table', () => {
  it('grows with each tier, enterprise unlimited', () => {
    expect(TIERS).toEqual(['free', 'pro', 'enterprise'])
    expect(PLANS.free).toEqual({ maxAgents: 10, apiCallsPerDay: 1000, tokensPerDay: 1000 })
    expect(PLANS.pro).toEqual({ maxAgents: 100, apiCallsPerDay: 50000, tokensPerDay: 50000 })
    expect(PLANS.enterprise).toEqual({ maxAgents: null, apiCallsPerDay: null, tokensPerDay: null })
    expect(isPlanTier('pro')).toBe(true)
    expect(isPlanTier('__proto__')).toBe(false)
  })
})
