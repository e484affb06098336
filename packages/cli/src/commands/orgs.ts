/**
 * `sentryagent orgs list|get|create|update|delete|members`: organizations (tenants) and their
 * members (`admin:orgs` for most; an organization's agents may read it).
 *
 * @module
 */
import type { Command } from 'commander'
import type { Organization } from '@sentryagent/client'
import { print, renderRecord, renderTable, type CliIo } from '../output.js'
import { collectAll, defined, integer, oneOf, withContext } from './shared.js'

const COLUMNS = ['organizationId', 'slug', 'name', 'planTier', 'status', 'createdAt']
const TIERS = ['free', 'pro', 'enterprise'] as const

/** Registers `orgs`. */
export function registerOrgs(program: Command, io: CliIo): void {
  const orgs = program.command('orgs').description('organizations (tenants) and their members')

  orgs
    .command('list')
    .description('list organizations')
    .option('--limit <n>', 'page size (1–100)', integer(1, 100))
    .option('--cursor <cursor>', 'page cursor (from a previous --json output)')
    .option('--all', 'follow nextCursor through every page')
    .action(
      withContext<{ limit?: number; cursor?: string; all?: boolean }>(io, async (ctx, opts) => {
        const client = await ctx.client()
        const page =
          opts.all === true
            ? { items: await collectAll(client.organizations.listAll(defined({ limit: opts.limit }))), nextCursor: null }
            : await client.organizations.list(defined({ limit: opts.limit, cursor: opts.cursor }))
        print(io, ctx.json, page, () => renderTable(page.items, COLUMNS) + (page.nextCursor === null ? '' : `next page: --cursor ${page.nextCursor}\n`))
      }),
    )

  orgs
    .command('get <organizationId>')
    .description('show an organization')
    .action(
      withContext(io, async (ctx, _opts, [id]) => {
        const org = await (await ctx.client()).organizations.get(String(id))
        print(io, ctx.json, org, () => renderRecord(org))
      }),
    )

  orgs
    .command('create')
    .description('create an organization (admin:orgs)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--slug <slug>', 'unique, immutable: 3–63 of [a-z0-9-]')
    .option('--plan-tier <tier>', 'free | pro | enterprise', oneOf(TIERS))
    .action(
      withContext<{ name: string; slug: string; planTier?: Organization['planTier'] }>(io, async (ctx, opts) => {
        const org = await (await ctx.client()).organizations.create({ name: opts.name, slug: opts.slug, ...defined({ planTier: opts.planTier }) })
        print(io, ctx.json, org, () => renderRecord(org))
      }),
    )

  orgs
    .command('update <organizationId>')
    .description('change an organization (admin:orgs)')
    .option('--name <name>', 'display name')
    .option('--plan-tier <tier>', 'free | pro | enterprise', oneOf(TIERS))
    .option('--status <status>', 'active | suspended', oneOf(['active', 'suspended'] as const))
    .action(
      withContext<{ name?: string; planTier?: Organization['planTier']; status?: Organization['status'] }>(io, async (ctx, opts, [id]) => {
        const org = await (await ctx.client()).organizations.update(String(id), defined({ name: opts.name, planTier: opts.planTier, status: opts.status }))
        print(io, ctx.json, org, () => renderRecord(org))
      }),
    )

  orgs
    .command('delete <organizationId>')
    .description('delete an organization without active agents (admin:orgs)')
    .action(
      withContext(io, async (ctx, _opts, [id]) => {
        await (await ctx.client()).organizations.delete(String(id))
        print(io, ctx.json, { deleted: id }, () => `deleted organization ${id}\n`)
      }),
    )

  const members = orgs.command('members').description('agent members of an organization')
  members
    .command('list <organizationId>')
    .description('list members')
    .action(
      withContext(io, async (ctx, _opts, [id]) => {
        const list = await (await ctx.client()).organizations.listMembers(String(id))
        print(io, ctx.json, list, () => renderTable(list.items, ['agentId', 'role', 'createdAt']))
      }),
    )
  members
    .command('add <organizationId> <agentId>')
    .description('add an agent as a member')
    .option('--role <role>', 'member | admin', oneOf(['member', 'admin'] as const), 'member')
    .action(
      withContext<{ role: 'member' | 'admin' }>(io, async (ctx, opts, [id, agentId]) => {
        const member = await (await ctx.client()).organizations.addMember(String(id), { agentId: String(agentId), role: opts.role })
        print(io, ctx.json, member, () => renderRecord(member))
      }),
    )
  members
    .command('remove <organizationId> <agentId>')
    .description('remove a member')
    .action(
      withContext(io, async (ctx, _opts, [id, agentId]) => {
        await (await ctx.client()).organizations.removeMember(String(id), String(agentId))
        print(io, ctx.json, { removed: agentId }, () => `removed ${agentId} from ${id}\n`)
      }),
    )
}
