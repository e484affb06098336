/**
 * Helpers shared by the command modules: running an action with its context, and option parsers
 * whose failures are usage errors (exit code 2).
 *
 * @module
 */
import { InvalidArgumentError, type Command } from 'commander'
import { createContext, type CliContext, type GlobalOptions } from '../context.js'
import type { CliIo } from '../output.js'

/** An action: the context, the command's own options, its positional arguments. */
export type Handler<O> = (ctx: CliContext, options: O, args: string[]) => Promise<void>

/** Wraps a handler as a commander action (commander passes positionals, options, then the command). */
export function withContext<O>(io: CliIo, handler: Handler<O>): (...raw: unknown[]) => Promise<void> {
  return async (...raw) => {
    const command = raw[raw.length - 1] as Command
    const positionals = raw.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]))
    await handler(createContext(io, command.optsWithGlobals<GlobalOptions>()), command.opts() as O, positionals)
  }
}

/** Repeatable option collector: `--scope a --scope b` (also `--scope "a b"`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(/[\s,]+/).filter((v) => v !== '')]
}

/** An integer option within bounds. */
export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('not an integer')
    const n = Number(value)
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`)
    return n
  }
}

/** A choice among `values`. */
export function oneOf<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    const found = values.find((v) => v === value)
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`)
    return found
  }
}

/** Drops `undefined` values (the REST API refuses explicit nulls where it expects absence). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }
}

/** Every item of an async iterable (`Array.fromAsync` needs Node 22). */
export async function collectAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}
