/**
 * `sentryagent credentials create|list|rotate|revoke`: an agent's client credentials. A secret is
 * printed once, when it is created or rotated; the IdP never shows it again.
 *
 * @module
 */
import type { Command } from 'commander'
import type { CredentialWithSecret } from '@sentryagent/client'
import { print, renderRecord, renderTable, type CliIo } from '../output.js'
import { withContext } from './shared.js'

const showSecret = (io: CliIo, json: boolean, c: CredentialWithSecret) =>
  print(io, json, c, () => `${renderRecord(c)}\nThe client secret is shown only now: store it (e.g. \`sentryagent configure\`).\n`)

/** Registers `credentials`. */
export function registerCredentials(program: Command, io: CliIo): void {
  const credentials = program.command('credentials').description('an agent’s client credentials (id + secret)')

  credentials
    .command('create <agentId>')
    .description('create a credential; prints its secret once')
    .option('--expires-at <iso-date>', 'expiry (ISO-8601)')
    .action(
      withContext<{ expiresAt?: string }>(io, async (ctx, opts, [agentId]) => {
        const created = await (await ctx.client()).credentials.create(String(agentId), opts.expiresAt === undefined ? {} : { expiresAt: opts.expiresAt })
        showSecret(io, ctx.json, created)
      }),
    )

  credentials
    .command('list <agentId>')
    .description('list an agent’s credentials (never their secrets)')
    .action(
      withContext(io, async (ctx, _o, [agentId]) => {
        const list = await (await ctx.client()).credentials.list(String(agentId))
        print(io, ctx.json, list, () => renderTable(list.items, ['credentialId', 'clientId', 'status', 'createdAt', 'expiresAt']))
      }),
    )

  credentials
    .command('rotate <agentId> <credentialId>')
    .description('new secret; the old secret and the tokens issued under it stop working')
    .action(withContext(io, async (ctx, _o, [agentId, id]) => showSecret(io, ctx.json, await (await ctx.client()).credentials.rotate(String(agentId), String(id)))))

  credentials
    .command('revoke <agentId> <credentialId>')
    .description('revoke a credential and its tokens')
    .action(
      withContext(io, async (ctx, _o, [agentId, id]) => {
        await (await ctx.client()).credentials.revoke(String(agentId), String(id))
        print(io, ctx.json, { revoked: id }, () => `revoked credential ${id}\n`)
      }),
    )
}
