/**
 * The `sentryagent` program: the command tree (commander) and `run()`, which maps every outcome to
 * a documented exit code and prints errors with the problem `code` and `requestId` — never a secret.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { IdpApiError } from '@sentryagent/client'
import { registerAgents } from './commands/agents.js'
import { registerAudit } from './commands/audit.js'
import { registerCompletion } from './commands/completion.js'
import { registerConfigure } from './commands/configure.js'
import { registerCredentials } from './commands/credentials.js'
import { registerDelegate } from './commands/delegate.js'
import { registerKeys } from './commands/keys.js'
import { registerOrgs } from './commands/orgs.js'
import { registerScaffold } from './commands/scaffold.js'
import { registerToken } from './commands/token.js'
import { registerWhoami } from './commands/whoami.js'
import { CliError, EXIT_CODES, type ExitCode } from './exit-codes.js'
import type { CliIo } from './output.js'

/** The CLI's version: its package's (`src/` and `dist/` both sit next to `package.json`). */
export const CLI_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** Builds the command tree writing to `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('sentryagent')
    .description('Command line of SentryAgent AgentIdP — identities, credentials and tokens for AI agents')
    .version(CLI_VERSION)
    .option('--json', 'machine-readable JSON output')
    .option('-p, --profile <name>', 'profile of ~/.sentryagent/config.json (default: SENTRYAGENT_PROFILE or the default profile)')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
  registerConfigure(program, io)
  registerWhoami(program, io)
  registerOrgs(program, io)
  registerAgents(program, io)
  registerCredentials(program, io)
  registerKeys(program, io)
  registerToken(program, io)
  registerDelegate(program, io)
  registerAudit(program, io)
  registerCompletion(program, io)
  registerScaffold(program, io)
  // Subcommands inherit output and exit handling.
  const inherit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().showHelpAfterError().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
      inherit(sub)
    }
  }
  inherit(program)
  return program
}

/** The error report of an IdP answer: code, status, detail, field errors, request id. */
function reportApiError(io: CliIo, json: boolean, err: IdpApiError): void {
  if (json) {
    const body = { error: { code: err.code, status: err.status, detail: err.detail, requestId: err.requestId ?? null, errors: err.errors } }
    io.stderr.write(`${JSON.stringify(body)}\n`)
    return
  }
  const fields = err.errors.map((e) => `\n  ${e.field}: ${e.message}`).join('')
  io.stderr.write(`error: ${err.code} (${err.status}): ${err.detail}${fields}\n${err.requestId === undefined ? '' : `requestId: ${err.requestId}\n`}`)
}

/** The exit code of a thrown error (and its report on stderr). */
export function exitCodeOf(io: CliIo, json: boolean, err: unknown): ExitCode {
  if (err instanceof CommanderError) {
    // Help and version are successes; every other commander error is bad usage (already printed).
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT_CODES.OK : EXIT_CODES.USAGE
  }
  if (err instanceof CliError) {
    io.stderr.write(json ? `${JSON.stringify({ error: { code: 'CLI', detail: err.message } })}\n` : `error: ${err.message}\n`)
    return err.exitCode
  }
  if (err instanceof IdpApiError) {
    reportApiError(io, json, err)
    return err.status >= 500 ? EXIT_CODES.UNAVAILABLE : EXIT_CODES.REFUSED
  }
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
    io.stderr.write(`error: the IdP could not be reached (${err.cause instanceof Error ? err.cause.message : 'network error'})\n`)
    return EXIT_CODES.UNAVAILABLE
  }
  io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`)
  return EXIT_CODES.FAILURE
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, homeDir: homedir() })
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const program = createProgram(io)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_CODES.OK
  } catch (err) {
    return exitCodeOf(io, argv.includes('--json'), err)
  }
}
