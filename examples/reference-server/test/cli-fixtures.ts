/**
 * Running `sentryagent`: as a process (`node --conditions=@sentryagent/source --import tsx
 * packages/cli/src/bin.ts`, the source of the bin) with `HOME` in a temp dir and only the
 * environment the test gives, or in process through `run()` for the many command checks.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { run } from 'sentryagent'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/src/bin.ts')
/** The command line that runs the CLI from source (`--import tsx` resolves from the repository root: run it there). */
export const CLI = [process.execPath, '--conditions=@sentryagent/source', '--import', 'tsx', BIN]

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** A fresh home directory. */
export const tempHome = () => mkdtemp(join(tmpdir(), 'sentryagent-home-'))

/** The environment of a CLI process: PATH and HOME only, plus `env`. */
export const cliEnv = (home: string, env: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: home, ...env })

/** Starts the CLI as a process; output accumulates in `out()`. */
export function spawnCli(args: string[], home: string, env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(CLI[0]!, [...CLI.slice(1), ...args], { cwd: ROOT, env: cliEnv(home, env), stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, exited, out: () => ({ stdout, stderr }) }
}

/** Runs the CLI as a process to completion. */
export async function runCliProcess(args: string[], home: string, options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const p = spawnCli(args, home, options.env)
  p.child.stdin?.end(options.input ?? '')
  const code = await p.exited
  return { code, ...p.out() }
}

/** Runs the CLI in this process (same commands, no bin) with `env` as its environment. */
export async function runCli(args: string[], home: string, options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d: Buffer) => (out += d.toString()))
  stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await run(args, { stdout, stderr, stdin: Readable.from([options.input ?? '']), env: options.env ?? {}, homeDir: home })
  return { code, stdout: out, stderr: err }
}

/** Polls `check` every 50 ms until it holds or `ms` passed. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 50))
  }
}
