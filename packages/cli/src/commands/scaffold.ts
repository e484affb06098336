/**
 * `sentryagent scaffold --agent-id <id> --language typescript|python --out <dir>`: a runnable starter
 * for an agent, with the IdP URL and the agent's client id filled in (the newest active credential,
 * or `--client-id`). The secret is never written: the starter reads `SENTRYAGENT_CLIENT_SECRET`.
 *
 * @module
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Command } from 'commander'
import { configError, usageError } from '../exit-codes.js'
import { print, type CliIo } from '../output.js'
import { pythonStarter, typescriptStarter } from '../scaffold/templates.js'
import { oneOf, withContext } from './shared.js'

const CLIENT_VERSION = '^0.1.0'

/** Registers `scaffold`. */
export function registerScaffold(program: Command, io: CliIo): void {
  program
    .command('scaffold')
    .description('write a runnable starter (TypeScript or Python) that gets a token and calls the API')
    .requiredOption('--agent-id <agentId>', 'the agent the starter runs as')
    .requiredOption('--language <language>', 'typescript | python', oneOf(['typescript', 'python'] as const))
    .requiredOption('--out <dir>', 'directory to create (must be empty or absent)')
    .option('--client-id <clientId>', 'client id to fill in (default: the agent’s newest active credential)')
    .option('--client-package <spec>', 'dependency spec of @sentryagent/client (TypeScript)', CLIENT_VERSION)
    .action(
      withContext<{ agentId: string; language: 'typescript' | 'python'; out: string; clientId?: string; clientPackage: string }>(io, async (ctx, o) => {
        const existing = await readdir(o.out).catch(() => [])
        if (existing.length > 0) throw usageError(`${o.out} is not empty`)
        const client = await ctx.client()
        const agent = await client.agents.get(o.agentId)
        let clientId = o.clientId
        if (clientId === undefined) {
          const active = (await client.credentials.list(o.agentId)).items.filter((c) => c.status === 'active')
          const newest = active.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]
          if (newest === undefined) throw configError(`agent ${o.agentId} has no active credential: run \`sentryagent credentials create ${o.agentId}\``)
          clientId = newest.clientId
        }
        const input = { url: client.url, agentId: agent.agentId, agentName: agent.name, clientId, clientPackage: o.clientPackage }
        const files = o.language === 'typescript' ? typescriptStarter(input) : pythonStarter(input)
        for (const [relative, content] of Object.entries(files)) {
          const path = join(o.out, relative)
          await mkdir(dirname(path), { recursive: true })
          await writeFile(path, content, { mode: relative === 'main.py' ? 0o755 : 0o644 })
        }
        const next = o.language === 'typescript' ? `cd ${o.out} && npm install && npm run build && SENTRYAGENT_CLIENT_SECRET=… npm start` : `SENTRYAGENT_CLIENT_SECRET=… python3 ${join(o.out, 'main.py')}`
        print(io, ctx.json, { out: o.out, language: o.language, agentId: agent.agentId, clientId, files: Object.keys(files) }, () => `wrote ${Object.keys(files).length} files to ${o.out}\nrun: ${next}\n`)
      }),
    )
}
