/**
 * `sentryagent` — the command line of SentryAgent AgentIdP, also usable as a library: `run(argv, io)`
 * runs a command line and returns its exit code.
 *
 * @module
 */
export { run, createProgram, exitCodeOf, CLI_VERSION } from './program.js'
export { EXIT_CODES, CliError } from './exit-codes.js'
export type { ExitCode } from './exit-codes.js'
export type { CliIo } from './output.js'
export { loadConfig, saveConfig, configPath } from './config-store.js'
export type { ConfigFile, Profile } from './config-store.js'
export { bashCompletion, zshCompletion } from './commands/completion.js'
