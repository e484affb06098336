/**
 * `sentryagent configure`: stores a profile (URL, client id, secret or private key file) in
 * `~/.sentryagent/config.json` (0700/0600). Interactive prompts by default — the secret is typed
 * hidden and never echoed; `--url`, `--client-id` and `--client-secret-stdin` for scripts.
 *
 * @module
 */
import * as prompts from '@clack/prompts'
import type { Command } from 'commander'
import { createAgentIdpClient } from '@sentryagent/client'
import { loadConfig, saveConfig, type Profile } from '../config-store.js'
import { selectProfileName } from '../context.js'
import { usageError } from '../exit-codes.js'
import { print, type CliIo } from '../output.js'
import { withContext } from './shared.js'

interface ConfigureOptions {
  url?: string
  clientId?: string
  clientSecretStdin?: boolean
  privateKeyFile?: string
  default?: boolean
  verify: boolean
}

async function readStdin(stdin: CliIo['stdin']): Promise<string> {
  let data = ''
  for await (const chunk of stdin) data += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
  return data.trim()
}

function cancelled(value: string | symbol): string {
  if (typeof value === 'symbol') throw usageError('configure cancelled')
  return value
}

const validUrl = (v: string | undefined): string | undefined => {
  try {
    const u = new URL(v ?? '')
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'an http(s) URL'
  } catch {
    return 'an http(s) URL'
  }
}

/** Registers `configure`. */
export function registerConfigure(program: Command, io: CliIo): void {
  program
    .command('configure')
    .description('store a profile: IdP URL, client id and secret (typed hidden) in ~/.sentryagent/config.json')
    .option('--url <url>', 'IdP base URL')
    .option('--client-id <id>', 'client id of a credential (or the agent id with --private-key-file)')
    .option('--client-secret-stdin', 'read the client secret from standard input (no prompt)')
    .option('--private-key-file <path>', 'authenticate with private_key_jwt using this private JWK file')
    .option('--default', 'make this profile the default')
    .option('--no-verify', 'do not check the credentials against the IdP')
    .action(
      withContext<ConfigureOptions>(io, async (ctx, opts) => {
        const file = await loadConfig(io.homeDir)
        const name = selectProfileName(program.opts<{ profile?: string }>().profile, io.env, file.defaultProfile)
        const existing = file.profiles[name]
        const interactive = io.stdin.isTTY === true && opts.clientSecretStdin !== true
        const common = { input: io.stdin, output: io.stdout }
        let url = opts.url
        let clientId = opts.clientId
        let clientSecret: string | undefined
        if (interactive) {
          prompts.intro(`sentryagent profile "${name}"`, common)
          // Enter keeps the value shown (the stored one, else the local default server).
          const defaultUrl = existing?.url ?? 'http://localhost:3000'
          url ??= cancelled(
            await prompts.text({ ...common, message: 'IdP URL', placeholder: defaultUrl, defaultValue: defaultUrl, validate: (v) => (v === undefined || v === '' ? undefined : validUrl(v)) }),
          )
          const defaultId = existing?.clientId
          clientId ??= cancelled(
            await prompts.text({
              ...common,
              message: 'Client id',
              ...(defaultId === undefined ? {} : { placeholder: defaultId, defaultValue: defaultId }),
              validate: (v) => ((v === undefined || v === '') && defaultId === undefined ? 'required' : undefined),
            }),
          )
          if (opts.privateKeyFile === undefined) {
            const typed = cancelled(
              await prompts.password({
                ...common,
                message: existing?.clientSecret === undefined ? 'Client secret' : 'Client secret (Enter keeps the stored one)',
                validate: (v) => (existing?.clientSecret === undefined && (v === undefined || v === '') ? 'required' : undefined),
              }),
            )
            clientSecret = typed === '' ? existing?.clientSecret : typed
          }
        } else {
          if (opts.clientSecretStdin === true) clientSecret = await readStdin(io.stdin)
          else clientSecret = existing?.clientSecret
        }
        url ??= existing?.url
        clientId ??= existing?.clientId
        if (url === undefined || validUrl(url) !== undefined) throw usageError('--url must be an http(s) URL')
        if (clientId === undefined || clientId === '') throw usageError('--client-id is required')
        if (clientSecret === undefined && opts.privateKeyFile === undefined) throw usageError('a client secret (--client-secret-stdin) or --private-key-file is required')

        const profile: Profile = {
          url: url.replace(/(?<!\/)\/+$/, ''),
          clientId,
          ...(opts.privateKeyFile === undefined ? { clientSecret } : { privateKeyFile: opts.privateKeyFile }),
        }
        if (opts.verify && profile.clientSecret !== undefined) {
          // Fails (exit 4/5) before anything is written when the credentials do not work.
          await createAgentIdpClient({ url: profile.url, clientId: profile.clientId, clientSecret: profile.clientSecret }).tokens.getToken()
        }
        const path = await saveConfig(io.homeDir, {
          ...file,
          ...(opts.default === true || file.defaultProfile === undefined ? { defaultProfile: name } : {}),
          profiles: { ...file.profiles, [name]: profile },
        })
        if (interactive && !ctx.json) prompts.outro(`saved profile "${name}" to ${path}`, common)
        else print(io, ctx.json, { profile: name, path, url: profile.url, clientId: profile.clientId }, () => `saved profile "${name}" to ${path}\n`)
      }),
    )
}
