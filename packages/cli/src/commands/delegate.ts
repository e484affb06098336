/**
 * `sentryagent delegate create|verify|revoke|exchange`: agent-to-agent delegation (SPEC §8, RFC
 * 8693). The delegator creates and revokes; the delegatee exchanges the delegation token for an
 * access token acting for the delegator (`act`).
 *
 * @module
 */
import type { Command } from 'commander'
import type { CreateDelegationInput } from '@sentryagent/client'
import { decodeJwt } from 'jose'
import { print, renderRecord, type CliIo } from '../output.js'
import { collect, defined, integer, withContext } from './shared.js'

/** Registers `delegate`. */
export function registerDelegate(program: Command, io: CliIo): void {
  const delegate = program.command('delegate').description('agent-to-agent delegation (RFC 8693 token exchange)')

  delegate
    .command('create')
    .description('delegate some of your scopes to another agent of your organization (delegation:write)')
    .requiredOption('--to <agentId>', 'the delegatee')
    .requiredOption('--scope <scope>', 'a delegated scope, ⊆ yours (repeatable)', collect)
    .option('--ttl <seconds>', 'lifetime (60–86400)', integer(60, 86_400), 3600)
    .option('--max-depth <n>', 'links the chain may have (1 = no re-delegation)', integer(1, 5))
    .action(
      withContext<{ to: string; scope: string[]; ttl: number; maxDepth?: number }>(io, async (ctx, o) => {
        const body = { delegateeAgentId: o.to, scopes: o.scope, ttlSeconds: o.ttl, ...defined({ maxDepth: o.maxDepth }) }
        const created = await (await ctx.client()).delegate(body as CreateDelegationInput)
        print(io, ctx.json, created, () => renderRecord(created))
      }),
    )

  delegate
    .command('verify <delegationToken>')
    .description('check a delegation token ({ valid: false, reason } when expired or revoked)')
    .action(
      withContext(io, async (ctx, _o, [token]) => {
        const result = await (await ctx.client()).verifyDelegation(String(token))
        print(io, ctx.json, result, () => renderRecord(result))
      }),
    )

  delegate
    .command('revoke <chainId>')
    .description('revoke a delegation, its sub-delegations and every token derived from them')
    .action(
      withContext(io, async (ctx, _o, [chainId]) => {
        await (await ctx.client()).revokeDelegation(String(chainId))
        print(io, ctx.json, { revoked: chainId }, () => `revoked delegation ${chainId}\n`)
      }),
    )

  delegate
    .command('exchange <delegationToken>')
    .description('as the delegatee: exchange a delegation token for an access token acting for the delegator')
    .option('--scope <scope>', 'narrower scopes (repeatable)', collect)
    .option('--decode', 'also print the decoded claims')
    .action(
      withContext<{ scope?: string[]; decode?: boolean }>(io, async (ctx, o, [token]) => {
        const response = await (await ctx.client()).exchange({ subjectToken: String(token), ...defined({ scope: o.scope }) })
        const claims = o.decode === true ? { claims: decodeJwt(response.access_token) } : {}
        print(io, ctx.json, { ...response, ...claims }, () => (o.decode === true ? `${response.access_token}\n\n${renderRecord(claims)}` : `${response.access_token}\n`))
      }),
    )
}
