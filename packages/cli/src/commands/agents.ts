/**
 * `sentryagent agents register|list|get|update|suspend|reactivate|decommission` (`agents:read` /
 * `agents:write`). Bodies are checked by the server; its field errors are printed.
 *
 * @module
 */
import type { Command } from 'commander'
import type { Agent, ListAgentsQuery, RegisterAgentInput, UpdateAgentInput } from '@sentryagent/client'
import { usageError } from '../exit-codes.js'
import { print, renderRecord, renderTable, type CliIo } from '../output.js'
import { collect, collectAll, defined, integer, withContext } from './shared.js'

const COLUMNS = ['agentId', 'name', 'agentType', 'status', 'scopes', 'owner']

interface AgentFields {
  name?: string
  type?: string
  agentVersion?: string
  capability?: string[]
  owner?: string
  env?: string
  scope?: string[]
  email?: string
  description?: string
  public?: boolean
}

const fieldsOf = (o: AgentFields) =>
  defined({
    name: o.name,
    agentType: o.type,
    version: o.agentVersion,
    capabilities: o.capability,
    owner: o.owner,
    deploymentEnv: o.env,
    scopes: o.scope,
    email: o.email,
    description: o.description,
    isPublic: o.public,
  })

const show = (io: CliIo, json: boolean, agent: Agent) => print(io, json, agent, () => renderRecord(agent))

/** Registers `agents`. */
export function registerAgents(program: Command, io: CliIo): void {
  const agents = program.command('agents').description('register and manage agents')
  const withFields = (cmd: Command) =>
    cmd
      .option('--name <name>', 'display name')
      .option('--type <agentType>', 'screener | classifier | orchestrator | extractor | summarizer | router | monitor | custom')
      .option('--agent-version <semver>', 'the agent’s version (semver)')
      .option('--capability <resource:action>', 'a capability (repeatable)', collect)
      .option('--owner <owner>', 'owning team or person')
      .option('--env <deploymentEnv>', 'development | staging | production')
      .option('--scope <scope>', 'an allowed scope (repeatable; ⊆ your own)', collect)
      .option('--email <email>', 'contact email (unique per organization)')
      .option('--description <text>', 'free text')
      .option('--public', 'list in the public marketplace')

  withFields(agents.command('register').description('register an agent'))
    .option('--org <organizationId>', 'organization (platform administrators only)')
    .action(
      withContext<AgentFields & { org?: string }>(io, async (ctx, opts) => {
        const body = { ...fieldsOf(opts), ...defined({ organizationId: opts.org }) }
        for (const [field, flag] of [['name', '--name'], ['agentType', '--type'], ['version', '--agent-version'], ['owner', '--owner'], ['deploymentEnv', '--env']] as const) {
          if (body[field] === undefined) throw usageError(`${flag} is required`)
        }
        // The server validates every field (and answers VALIDATION_ERROR with the offending ones).
        show(io, ctx.json, await (await ctx.client()).agents.register({ capabilities: [], ...body } as RegisterAgentInput))
      }),
    )

  agents
    .command('list')
    .description('list agents of your organization')
    .option('--status <status>', 'active | suspended | decommissioned')
    .option('--type <agentType>', 'filter by type')
    .option('--owner <owner>', 'filter by owner')
    .option('--q <text>', 'search name and description')
    .option('--org <organizationId>', 'organization (platform administrators only)')
    .option('--limit <n>', 'page size (1–100)', integer(1, 100))
    .option('--cursor <cursor>', 'page cursor')
    .option('--all', 'follow nextCursor through every page')
    .action(
      withContext<{ status?: string; type?: string; owner?: string; q?: string; org?: string; limit?: number; cursor?: string; all?: boolean }>(io, async (ctx, o) => {
        const client = await ctx.client()
        const query = defined({ status: o.status, agentType: o.type, owner: o.owner, q: o.q, organizationId: o.org, limit: o.limit }) as ListAgentsQuery
        const page =
          o.all === true
            ? { items: await collectAll(client.agents.listAll(query)), nextCursor: null }
            : await client.agents.list({ ...query, ...defined({ cursor: o.cursor }) })
        print(io, ctx.json, page, () => renderTable(page.items, COLUMNS) + (page.nextCursor === null ? '' : `next page: --cursor ${page.nextCursor}\n`))
      }),
    )

  agents
    .command('get <agentId>')
    .description('show an agent')
    .action(withContext(io, async (ctx, _o, [id]) => show(io, ctx.json, await (await ctx.client()).agents.get(String(id)))))

  withFields(agents.command('update <agentId>').description('change an agent’s metadata or scopes')).action(
    withContext<AgentFields>(io, async (ctx, opts, [id]) => {
      const patch = fieldsOf(opts)
      if (Object.keys(patch).length === 0) throw usageError('nothing to update: give at least one option')
      show(io, ctx.json, await (await ctx.client()).agents.update(String(id), patch as UpdateAgentInput))
    }),
  )

  agents
    .command('suspend <agentId>')
    .description('suspend an agent: its tokens are rejected until it is reactivated')
    .action(withContext(io, async (ctx, _o, [id]) => show(io, ctx.json, await (await ctx.client()).agents.suspend(String(id)))))

  agents
    .command('reactivate <agentId>')
    .description('reactivate a suspended agent')
    .action(withContext(io, async (ctx, _o, [id]) => show(io, ctx.json, await (await ctx.client()).agents.reactivate(String(id)))))

  agents
    .command('decommission <agentId>')
    .description('decommission an agent for good: credentials revoked, tokens rejected, DID document 410')
    .requiredOption('--yes', 'confirm: this cannot be undone')
    .action(
      withContext(io, async (ctx, _o, [id]) => {
        await (await ctx.client()).agents.decommission(String(id))
        print(io, ctx.json, { decommissioned: id }, () => `decommissioned agent ${id}\n`)
      }),
    )
}
