/**
 * Output of the CLI: JSON with `--json` (stable, for scripts), aligned tables and key/value lists
 * otherwise; errors on stderr with the problem `code` and `requestId`.
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream'

/** The streams and environment a command runs with. */
export interface CliIo {
  stdout: Writable
  stderr: Writable
  stdin: Readable & { isTTY?: boolean }
  /** The environment the entry point read (only `bin.ts` reads `process.env`). */
  env: Readonly<Record<string, string | undefined>>
  homeDir: string
}

const text = (v: unknown): string => {
  if (v === null || v === undefined) return '-'
  if (Array.isArray(v)) return v.map(text).join(',')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** An aligned table of `rows` with the given columns (header in capitals). */
export function renderTable(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const cells = rows.map((r) => columns.map((c) => text(r[c])))
  const header = columns.map((c) => c.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase())
  const widths = columns.map((_, i) => Math.max(header[i]?.length ?? 0, ...cells.map((row) => row[i]?.length ?? 0)))
  const line = (values: readonly string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ')
  return [line(header), ...cells.map(line)].join('\n') + '\n'
}

/** `key: value` lines of an object (nested objects as JSON). */
export function renderRecord(record: Record<string, unknown>): string {
  const keys = Object.keys(record)
  const width = Math.max(0, ...keys.map((k) => k.length))
  return keys.map((k) => `${`${k}:`.padEnd(width + 1)} ${text(record[k])}`).join('\n') + '\n'
}

/** Prints a value: JSON with `--json`, else the human rendering. */
export function print(io: CliIo, json: boolean, value: unknown, human: () => string): void {
  io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : human())
}
