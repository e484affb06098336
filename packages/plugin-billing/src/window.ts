/**
 * The daily window of the plan limits: one UTC calendar day, reset at UTC midnight.
 *
 * @module
 */

/** `YYYY-MM-DD` of `at` in UTC. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10)
}

/** Whole seconds from `at` to the next UTC midnight, at least 1. */
export function secondsUntilUtcMidnight(at: Date): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1)
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000))
}

/** The UTC day before `day` (`YYYY-MM-DD`). */
export function previousDay(day: string): string {
  const t = Date.parse(`${day}T00:00:00.000Z`)
  return utcDay(new Date(t - 86_400_000))
}

/** `true` for a real `YYYY-MM-DD` calendar date. */
export function isUtcDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const t = Date.parse(`${value}T00:00:00.000Z`)
  return Number.isFinite(t) && utcDay(new Date(t)) === value
}

/** Days from `from` to `to`, both included (0 when `to` is before `from`). */
export function daysBetween(from: string, to: string): number {
  const span = (Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / 86_400_000
  return span < 0 ? 0 : span + 1
}
