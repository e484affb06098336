/**
 * Profiles in `~/.sentryagent/config.json`: the directory is created with mode 0700 and the file
 * written with mode 0600 (atomically: a temporary file in the same directory, then a rename), because
 * the file holds client secrets. Modes are enforced again on every write, whatever the umask.
 *
 * @module
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { configError } from './exit-codes.js'

/** One profile: where the IdP is and how this client authenticates. */
export interface Profile {
  url: string
  clientId: string
  clientSecret?: string
  /** Path of a private JWK file, for `private_key_jwt` instead of a secret. */
  privateKeyFile?: string
}

/** The file's content. */
export interface ConfigFile {
  defaultProfile?: string
  profiles: Record<string, Profile>
}

/** Where the configuration lives for a home directory. */
export const configDir = (homeDir: string): string => join(homeDir, '.sentryagent')
export const configPath = (homeDir: string): string => join(configDir(homeDir), 'config.json')

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseConfig(text: string, path: string): ConfigFile {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw configError(`${path} is not valid JSON`)
  }
  if (!isRecord(raw) || !isRecord(raw['profiles'])) throw configError(`${path} has no "profiles" object`)
  const profiles: Record<string, Profile> = {}
  for (const [name, p] of Object.entries(raw['profiles'])) {
    if (!isRecord(p) || typeof p['url'] !== 'string' || typeof p['clientId'] !== 'string') throw configError(`${path}: profile "${name}" needs url and clientId`)
    profiles[name] = {
      url: p['url'],
      clientId: p['clientId'],
      ...(typeof p['clientSecret'] === 'string' ? { clientSecret: p['clientSecret'] } : {}),
      ...(typeof p['privateKeyFile'] === 'string' ? { privateKeyFile: p['privateKeyFile'] } : {}),
    }
  }
  return { ...(typeof raw['defaultProfile'] === 'string' ? { defaultProfile: raw['defaultProfile'] } : {}), profiles }
}

/** Reads the configuration; an absent file is an empty configuration. */
export async function loadConfig(homeDir: string): Promise<ConfigFile> {
  const path = configPath(homeDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} }
    throw configError(`cannot read ${path}`)
  }
  return parseConfig(text, path)
}

/** Writes the configuration: directory 0700, file 0600. */
export async function saveConfig(homeDir: string, config: ConfigFile): Promise<string> {
  const dir = configDir(homeDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700) // an existing directory, or a umask that masked the mode
  const path = configPath(homeDir)
  const tmp = join(dir, `.config.json.${process.pid}.tmp`)
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
  return path
}
