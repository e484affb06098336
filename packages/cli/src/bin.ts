#!/usr/bin/env node
/**
 * The `sentryagent` executable. The only file of the CLI that reads `process.env`: the environment is
 * handed to the commands as data (`SENTRYAGENT_URL`, `SENTRYAGENT_CLIENT_ID`,
 * `SENTRYAGENT_CLIENT_SECRET`, `SENTRYAGENT_PROFILE`).
 *
 * @module
 */
import { homedir } from 'node:os'
import { run } from './program.js'

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  homeDir: homedir(),
})
