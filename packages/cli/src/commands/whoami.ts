/**
 * `sentryagent whoami`: the identity behind the configured credentials (`GET /agent-info`).
 *
 * @module
 */
import type { Command } from 'commander'
import { print, renderRecord, type CliIo } from '../output.js'
import { withContext } from './shared.js'

/** Registers `whoami`. */
export function registerWhoami(program: Command, io: CliIo): void {
  program
    .command('whoami')
    .description('show the agent, organization and scopes of the configured credentials')
    .action(
      withContext(io, async (ctx) => {
        const client = await ctx.client()
        const info = await client.whoami()
        print(io, ctx.json, { profile: ctx.profileName(), url: client.url, ...info }, () =>
          renderRecord({ profile: ctx.profileName(), url: client.url, ...info }),
        )
      }),
    )
}
