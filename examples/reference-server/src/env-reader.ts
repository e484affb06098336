/**
 * Typed readers over an environment that collect every problem instead of throwing at the first
 * (STYLE: fail fast with every problem listed). Used by `config.ts` and `ops-config.ts` only.
 *
 * @module
 */

export type Env = Readonly<Record<string, string | undefined>>

/** Readers over `env` that push problems into `problems` and fall back to defaults. */
export function envReader(env: Env, problems: string[]) {
  const str = (name: string): string | undefined => {
    const v = env[name]?.trim()
    return v === undefined || v === '' ? undefined : v
  }
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}`)
      return fallback
    }
    return n
  }
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name)
    if (raw === undefined) return fallback
    if (raw !== 'true' && raw !== 'false') problems.push(`${name} must be true or false`)
    return raw === 'true'
  }
  return { str, int, bool }
}
