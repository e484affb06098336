/**
 * What every command needs: the global options (`--json`, `--profile`), the resolved profile (the
 * config file overlaid with `SENTRYAGENT_URL`, `SENTRYAGENT_CLIENT_ID`, `SENTRYAGENT_CLIENT_SECRET`,
 * `SENTRYAGENT_PROFILE`) and an SDK client built from it on first use.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { createAgentIdpClient, type AgentIdpClient, type AgentIdpClientOptions } from '@sentryagent/client'
import type { JWK } from 'jose'
import { loadConfig, type Profile } from './config-store.js'
import { configError } from './exit-codes.js'
import type { CliIo } from './output.js'

/** Global options of every command. */
export interface GlobalOptions {
  json?: boolean
  profile?: string
}

/** The per-run context handed to commands. */
export interface CliContext {
  readonly io: CliIo
  readonly json: boolean
  /** The profile name in effect. */
  profileName(): string
  /** The resolved profile; throws a configuration error (exit 3) when incomplete. */
  profile(): Promise<Profile>
  /** The SDK options of the profile (URL and credentials). */
  clientOptions(): Promise<AgentIdpClientOptions>
  /** The SDK client of the profile. */
  client(): Promise<AgentIdpClient>
}

/** The profile name: `--profile`, else `SENTRYAGENT_PROFILE`, else the file's default, else `default`. */
export function selectProfileName(flag: string | undefined, env: CliIo['env'], fileDefault: string | undefined): string {
  return flag ?? env['SENTRYAGENT_PROFILE'] ?? fileDefault ?? 'default'
}

/** The profile `name` of the file overlaid with the environment (for CI, no file needed). */
export async function resolveProfile(io: CliIo, flag: string | undefined): Promise<{ name: string; profile: Profile }> {
  const file = await loadConfig(io.homeDir)
  const name = selectProfileName(flag, io.env, file.defaultProfile)
  const stored: Partial<Profile> = file.profiles[name] ?? {}
  const url = io.env['SENTRYAGENT_URL'] ?? stored.url
  const clientId = io.env['SENTRYAGENT_CLIENT_ID'] ?? stored.clientId
  const clientSecret = io.env['SENTRYAGENT_CLIENT_SECRET'] ?? stored.clientSecret
  if (url === undefined || clientId === undefined) {
    throw configError(`profile "${name}" is not configured: run \`sentryagent configure${name === 'default' ? '' : ` --profile ${name}`}\` or set SENTRYAGENT_URL and SENTRYAGENT_CLIENT_ID`)
  }
  const privateKeyFile = io.env['SENTRYAGENT_CLIENT_SECRET'] === undefined ? stored.privateKeyFile : undefined
  if (clientSecret === undefined && privateKeyFile === undefined) {
    throw configError(`profile "${name}" has no client secret or private key: run \`sentryagent configure\` or set SENTRYAGENT_CLIENT_SECRET`)
  }
  return {
    name,
    profile: { url, clientId, ...(clientSecret === undefined ? {} : { clientSecret }), ...(privateKeyFile === undefined ? {} : { privateKeyFile }) },
  }
}

async function readPrivateKey(path: string): Promise<JWK> {
  try {
    const jwk = JSON.parse(await readFile(path, 'utf8')) as JWK
    if (typeof jwk.d !== 'string') throw new Error('not a private JWK')
    return jwk
  } catch {
    throw configError(`${path} is not a readable private JWK`)
  }
}

/** Creates the context of one command run. */
export function createContext(io: CliIo, options: GlobalOptions): CliContext {
  let resolved: Promise<{ name: string; profile: Profile }> | undefined
  let client: Promise<AgentIdpClient> | undefined
  const resolve = () => (resolved ??= resolveProfile(io, options.profile))
  const clientOptions = async (): Promise<AgentIdpClientOptions> => {
    const { profile } = await resolve()
    return {
      url: profile.url,
      clientId: profile.clientId,
      userAgent: 'sentryagent-cli',
      ...(profile.privateKeyFile !== undefined && profile.clientSecret === undefined
        ? { privateKey: await readPrivateKey(profile.privateKeyFile) }
        : { clientSecret: profile.clientSecret }),
    }
  }
  return {
    io,
    json: options.json === true,
    profileName: () => options.profile ?? io.env['SENTRYAGENT_PROFILE'] ?? 'default',
    profile: async () => (await resolve()).profile,
    clientOptions,
    client: () => (client ??= clientOptions().then(createAgentIdpClient)),
  }
}
