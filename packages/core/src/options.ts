/**
 * Options of `createIdp()`: one object, validated once (every problem listed), defaults applied,
 * then frozen.
 *
 * @module
 */
import { IdpError } from './errors.js'
import type { Logger } from './logger.js'
import { silentLogger } from './logger.js'
import type { EphemeralStore } from './ports/ephemeral.js'
import type { KeyStore } from './ports/keys.js'
import type { Storage } from './ports/storage.js'

export interface IdpOptions {
  /** Issuer identifier (RFC 8414 §2): an http(s) URL without query or fragment. Also the default audience. */
  issuer: string
  /** Durable state. @default createMemoryStorage() — development only; warns once. */
  storage?: Storage
  /** Ephemeral state (revocation cache, counters). @default createMemoryEphemeralStore() */
  ephemeral?: EphemeralStore
  /** Signing keys. @default createLocalKeyStore() with a random master key — development only; warns once. */
  keys?: KeyStore
  /** pino-compatible logger. @default silent */
  logger?: Logger
  tokens?: {
    /** Access token lifetime in seconds (60–86400). @default 3600 */
    accessTokenTtlSeconds?: number
    /** `aud` of issued access tokens. @default the issuer */
    audience?: string
  }
  /** Clock; tests pass a fixed one. @default () => new Date() */
  clock?: () => Date
}

export interface ResolvedIdpOptions {
  readonly issuer: string
  readonly storage: Storage | undefined
  readonly ephemeral: EphemeralStore | undefined
  readonly keys: KeyStore | undefined
  readonly logger: Logger
  readonly tokens: { readonly accessTokenTtlSeconds: number; readonly audience: string }
  readonly clock: () => Date
}

/** Default option values; the docs' option reference is generated from this table. */
export const DEFAULTS = {
  accessTokenTtlSeconds: 3600,
} as const

/**
 * Validates and freezes options.
 * @throws {IdpError} CONFIG_INVALID listing every problem.
 */
export function resolveOptions(input: IdpOptions): ResolvedIdpOptions {
  const problems: string[] = []
  let issuer = input.issuer
  try {
    const url = new URL(input.issuer)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push('issuer must be an http(s) URL')
    if (url.search !== '' || url.hash !== '') problems.push('issuer must not have a query or fragment')
    issuer = input.issuer.replace(/(?<!\/)\/+$/, '')
  } catch {
    problems.push(`issuer is not a URL: ${JSON.stringify(input.issuer)}`)
  }
  const ttl = input.tokens?.accessTokenTtlSeconds ?? DEFAULTS.accessTokenTtlSeconds
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400) {
    problems.push('tokens.accessTokenTtlSeconds must be an integer between 60 and 86400')
  }
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  return Object.freeze({
    issuer,
    storage: input.storage,
    ephemeral: input.ephemeral,
    keys: input.keys,
    logger: input.logger ?? silentLogger,
    tokens: Object.freeze({ accessTokenTtlSeconds: ttl, audience: input.tokens?.audience ?? issuer }),
    clock: input.clock ?? (() => new Date()),
  })
}
