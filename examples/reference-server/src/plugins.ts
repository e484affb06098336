/**
 * The plugins the reference server knows, and which of them it installs. A plugin package adds
 * ONE line to {@link KNOWN_PLUGINS} (and its variables to `config.ts`); `PLUGINS` (a comma list)
 * chooses among them, and by default every known plugin whose `enabledByDefault(config)` holds is
 * installed. A plugin that is not installed is absent: its routes answer 404, its scopes are not
 * advertised, its grants are unsupported, its tables are not migrated.
 *
 * @module
 */
import { join } from 'node:path'
import type { PostgresStorageExtension } from '@sentryagent/adapter-postgres'
import type { IdpExtension } from '@sentryagent/core'
import { createConsolePlugin } from '@sentryagent/plugin-console'
import { createFederationPlugin } from '@sentryagent/plugin-federation'
import { createWebhooksPlugin } from '@sentryagent/plugin-webhooks'
import { createBillingPlugin } from '@sentryagent/plugin-billing'
import { createAnalyticsPlugin } from '@sentryagent/plugin-analytics'
import type { FastifyPluginAsync, FastifyPluginCallback } from 'fastify'
import type { Logger } from 'pino'
import type { ServerConfig } from './config.js'

/** One installed plugin: its core half, its tables (both halves) and its Fastify half. */
export interface ServerPlugin {
  /** The core half, handed to `createIdp({ extensions })`. */
  readonly extension: IdpExtension
  /** Its storage extension with the memory and PostgreSQL halves (when `extension.storage` is set). */
  readonly storage?: PostgresStorageExtension
  /** Its Fastify half, registered after `@sentryagent/fastify` (it declares that dependency). */
  readonly fastify?: FastifyPluginAsync | FastifyPluginCallback
}

/** A plugin the server knows how to build. */
export interface PluginEntry {
  /** Installed when `PLUGINS` is not set. @example (config) => config.stripe !== undefined */
  enabledByDefault(config: ServerConfig): boolean
  create(config: ServerConfig, log: Logger): ServerPlugin | Promise<ServerPlugin>
  /**
   * Variables under which `create` succeeds offline, for the generated reference (its routes, scopes,
   * error codes and audit actions are documented from a server that installs every known plugin).
   * @example { STRIPE_SECRET_KEY: 'sk_test_docs' }
   */
  readonly exampleEnv?: Readonly<Record<string, string>>
}

/**
 * Every plugin package the reference server can install, by name. Adding a plugin is one line:
 * `webhooks: { enabledByDefault: () => true, create: (config, log) => createWebhooksPlugin(config.webhooks, log) },`
 */
export const KNOWN_PLUGINS: Readonly<Record<string, PluginEntry>> = Object.freeze({
  console: { enabledByDefault: () => true, create: (config, log) => createConsolePlugin({ ...config.console, setupLinkFile: join(config.dataDir, 'console-setup-link.txt'), ...(config.logLevel === 'silent' ? { onSetupLink: () => undefined } : {}) }, log) },
  federation: { enabledByDefault: () => true, create: (config) => createFederationPlugin(config.federation) },
  webhooks: { enabledByDefault: () => true, create: (config, log) => createWebhooksPlugin(config.webhooks, log) },
  billing: {
    enabledByDefault: (config) => config.billing.enabled && config.billing.options.stripe !== undefined,
    create: (config, log) => createBillingPlugin(config.billing.options, log),
  },
  analytics: { enabledByDefault: () => true, create: (_config, log) => createAnalyticsPlugin({}, log) },
})

/** Thrown for `PLUGINS` naming plugins the server does not know. */
export class UnknownPluginError extends Error {
  constructor(readonly names: readonly string[], known: readonly string[]) {
    super(`PLUGINS names unknown plugins: ${names.join(', ')} (known: ${known.length === 0 ? 'none' : known.join(', ')})`)
    this.name = 'UnknownPluginError'
  }
}

/**
 * The names to install: `config.plugins` when set, else every entry enabled by default.
 * @throws {UnknownPluginError} when `config.plugins` names an unknown plugin
 */
export function selectPlugins(config: ServerConfig, known: Readonly<Record<string, PluginEntry>>): string[] {
  if (config.plugins === undefined) return Object.keys(known).filter((name) => known[name]?.enabledByDefault(config) === true)
  const unknown = config.plugins.filter((name) => !Object.hasOwn(known, name))
  if (unknown.length > 0) throw new UnknownPluginError(unknown, Object.keys(known))
  return [...config.plugins]
}

/** Builds the selected plugins, in order. */
export async function createPlugins(config: ServerConfig, log: Logger, known: Readonly<Record<string, PluginEntry>>): Promise<ServerPlugin[]> {
  const plugins: ServerPlugin[] = []
  for (const name of selectPlugins(config, known)) {
    const entry = known[name]
    if (entry !== undefined) plugins.push(await entry.create(config, log.child({ plugin: name })))
  }
  return plugins
}
