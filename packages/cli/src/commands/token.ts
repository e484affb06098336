/**
 * `sentryagent token issue [--scope …] [--decode]`: an access token for the configured credentials.
 * Plain output is the token alone (for `$(sentryagent token issue)`); `--json` prints the token
 * response; `--decode` adds the header and claims. `token introspect <token>` (RFC 7662, needs
 * `tokens:read`) and `token revoke <token>` (RFC 7009) authenticate as the configured client.
 *
 * @module
 */
import type { Command } from 'commander'
import { createTokenManager } from '@sentryagent/client'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { print, renderRecord, type CliIo } from '../output.js'
import { collect, withContext } from './shared.js'

/** Registers `token`. */
export function registerToken(program: Command, io: CliIo): void {
  const token = program.command('token').description('access tokens')
  token
    .command('issue')
    .description('request an access token (client credentials)')
    .option('--scope <scope>', 'ask for a subset of the agent’s scopes (repeatable)', collect)
    .option('--decode', 'also print the decoded header and claims')
    .action(
      withContext<{ scope?: string[]; decode?: boolean }>(io, async (ctx, opts) => {
        const client = await ctx.client()
        const manager = opts.scope === undefined ? client.tokens : createTokenManager({ ...(await ctx.clientOptions()), scope: opts.scope })
        const { response } = await manager.current()
        const decoded = opts.decode === true ? { header: decodeProtectedHeader(response.access_token), claims: decodeJwt(response.access_token) } : {}
        print(io, ctx.json, { ...response, ...decoded }, () =>
          opts.decode === true ? `${response.access_token}\n\n${renderRecord(decoded)}` : `${response.access_token}\n`,
        )
      }),
    )

  token
    .command('introspect <token>')
    .description('introspect a token (RFC 7662; needs tokens:read): active, subject, scope')
    .action(
      withContext(io, async (ctx, _o, [value]) => {
        const result = await (await ctx.client()).tokens.introspect(String(value))
        print(io, ctx.json, result, () => renderRecord(result))
      }),
    )

  token
    .command('revoke <token>')
    .description('revoke a token (RFC 7009): rejected everywhere within a second')
    .action(
      withContext(io, async (ctx, _o, [value]) => {
        await (await ctx.client()).tokens.revoke(String(value))
        print(io, ctx.json, { revoked: true }, () => 'revoked\n')
      }),
    )
}
