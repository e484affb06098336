/**
 * `@sentryagent/plugin-console`: operators (humans, SPEC §12) and the web console at `/console`.
 *
 * - Operators belong to an organization with a role (owner, admin, member, viewer) that maps to
 *   scopes under the authority rule; they are invited with one-time links and sign in only with
 *   passkeys (WebAuthn, user verification required). The platform owner registers through a
 *   one-time setup link printed at first start and saved next to the bootstrap credentials.
 * - Sessions: an opaque id in an httpOnly, SameSite=Strict cookie (`__Host-`, Secure over https),
 *   CSRF token on every state-changing request, idle and absolute expiry, sign-out everywhere.
 *   A signed-in operator calls the REST API with its session: core operations run with a
 *   principal context audited as `operator:<id>`.
 *
 * @example
 * const consolePlugin = createConsolePlugin({ setupLinkFile: './data/console-setup-link.txt' })
 * const storage = await createPgliteStorage({ extensions: [consolePlugin.storage] })
 * const idp = createIdp({ issuer, storage, extensions: [consolePlugin.extension] })
 * await app.register(sentryAgentIdp, { idp })
 * await app.register(consolePlugin.fastify)
 *
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { IdpError, type ExtensionApi, type IdpExtension, type Logger } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { createAuth, type ConsoleAuth } from './auth.js'
import { CONSOLE_ERRORS } from './errors.js'
import { CONSOLE_AUDIT_ACTIONS, createOperatorService, type OperatorService } from './operators.js'
import { operatorRoutes } from './routes/operators.js'
import { sessionRoutes } from './routes/session.js'
import { consoleStorage } from './storage.js'
import { DEFAULT_UI_DIR, uiRoutes } from './ui.js'

export { consoleStorage } from './storage.js'
export { CONSOLE_ERRORS, consoleError } from './errors.js'
export { CONSOLE_CSP, DEFAULT_UI_DIR } from './ui.js'
export { roleScopes, mayManageRole, roleRank } from './roles.js'
export { csrfTokenFor, cookieName } from './auth.js'
export { OPERATOR_ROLES } from './model.js'
export type { ConsoleRepository, Invitation, Operator, OperatorRole, Passkey, Session } from './model.js'

/** Scopes the console adds: managing operators. */
export const CONSOLE_SCOPES = ['operators:read', 'operators:write'] as const

/** Options of {@link createConsolePlugin}. */
export interface ConsolePluginOptions {
  /** Browser origin of the console (`CONSOLE_ORIGIN`). @default the issuer's origin */
  origin?: string | undefined
  /** WebAuthn relying-party id. @default the origin's host name */
  rpId?: string | undefined
  /** Name shown by authenticators. @default 'SentryAgent AgentIdP' */
  rpName?: string | undefined
  /** Where the platform owner's setup link is saved (mode 0600). @default not saved */
  setupLinkFile?: string | undefined
  /** Called with a new setup link. @default prints it to stdout (never to the log) */
  onSetupLink?: ((link: string, file: string | undefined) => void) | undefined
  /** @default 1800 (30 min) */
  sessionIdleSeconds?: number | undefined
  /** @default 43200 (12 h) */
  sessionAbsoluteSeconds?: number | undefined
  /** @default 86400 (24 h) */
  invitationTtlSeconds?: number | undefined
  /** How long a WebAuthn challenge is valid. @default 300 */
  challengeSeconds?: number | undefined
  /** The built app. @default this package's `dist/ui` */
  uiDir?: string | undefined
}

/** What the reference server installs: core half, tables, Fastify half. */
export interface ConsolePlugin {
  extension: IdpExtension
  storage: typeof consoleStorage
  fastify: FastifyPluginAsync
}

function printSetupLink(link: string, file: string | undefined): void {
  process.stdout.write(
    `\nConsole setup link for the platform owner (one use, 24 h${file === undefined ? '' : `; saved to ${file}`}):\n  ${link}\n\n`,
  )
}

/** Builds the console plugin. */
export function createConsolePlugin(options: ConsolePluginOptions = {}, log?: Logger): ConsolePlugin {
  let api: ExtensionApi | undefined
  let operators: OperatorService | undefined
  let auth: ConsoleAuth | undefined
  let origin = options.origin
  const notReady = () => new IdpError('INTERNAL', 'The console plugin is not initialised')

  const extension: IdpExtension = {
    id: 'console',
    scopes: CONSOLE_SCOPES,
    auditActions: CONSOLE_AUDIT_ACTIONS,
    errorCodes: CONSOLE_ERRORS,
    storage: consoleStorage,
    principalKinds: ['operator'],
    init(a) {
      api = a
      origin ??= new URL(a.idp.discovery().issuer).origin
      const rpId = options.rpId ?? new URL(origin).hostname
      operators = createOperatorService(a, { origin, invitationTtlSeconds: options.invitationTtlSeconds ?? 86_400 })
      auth = createAuth(a, operators, {
        origin,
        rpId,
        rpName: options.rpName ?? 'SentryAgent AgentIdP',
        idleSeconds: options.sessionIdleSeconds ?? 1800,
        absoluteSeconds: options.sessionAbsoluteSeconds ?? 43_200,
        challengeSeconds: options.challengeSeconds ?? 300,
      })
      // Sessions end on their own when presented; this removes the ones nobody presents again.
      const idleMs = (options.sessionIdleSeconds ?? 1800) * 1000
      a.jobs.every('console.sessions-purge', 3_600_000, async () => {
        const now = a.clock()
        await a.transaction((tx) => tx.ext('console').deleteExpiredSessions(now, new Date(now.getTime() - idleMs)))
      })
    },
  }

  const getOperators = () => operators ?? (() => { throw notReady() })()
  const getAuth = () => auth ?? (() => { throw notReady() })()

  const fastify: FastifyPluginAsync = fp(
    async (app) => {
      // Signed-in operators call the REST API with their session cookie.
      app.idpBinding.addRequestAuthenticator(async (req) => {
        const a = getAuth()
        const s = await a.signedIn(req)
        return s === null ? null : a.contextOf(s, { requestId: req.id, ip: req.ip })
      })
      await app.register(operatorRoutes(getOperators), { prefix: app.idpBinding.prefix })
      await app.register(
        sessionRoutes({
          auth: getAuth,
          operators: getOperators,
          get origin() {
            return origin ?? ''
          },
          features: () => [...(api?.idp.registry.extensions ?? [])],
        }),
      )
      await app.register(uiRoutes(options.uiDir ?? DEFAULT_UI_DIR))
      // After bootstrap created the platform organization: its owner's one-time setup link.
      app.addHook('onReady', async () => {
        const link = await getOperators().ensureSetupLink()
        if (link === undefined) return
        if (options.setupLinkFile !== undefined) {
          await writeFile(options.setupLinkFile, `${link}\n`, { mode: 0o600 })
        }
        log?.warn({ event: 'console_setup_link', file: options.setupLinkFile }, 'console setup link created for the platform owner')
        ;(options.onSetupLink ?? printSetupLink)(link, options.setupLinkFile)
      })
    },
    { name: '@sentryagent/plugin-console', fastify: '5.x', dependencies: ['@sentryagent/fastify'] },
  )

  return { extension, storage: consoleStorage, fastify }
}
