/**
 * A small HashiCorp Vault HTTP client on `fetch`: token or AppRole authentication (logging in again
 * when the token is rejected), `X-Vault-Namespace`, a timeout per attempt, and retries with
 * exponential backoff on network errors, 429 and 5xx (never on other 4xx). Every failure surfaces as
 * `IdpError('DEPENDENCY_UNAVAILABLE')` with the Vault error as `cause`; nothing secret is logged.
 *
 * @module
 */
import { IdpError, silentLogger, type Logger } from '@sentryagent/core'

/** How the client authenticates. */
export type VaultAuth = { token: string } | { appRole: { roleId: string; secretId: string; mount?: string | undefined } }

/** Options of {@link createVaultClient}. */
export interface VaultClientOptions {
  /** Vault address, e.g. `https://vault.internal:8200`. */
  address: string
  auth: VaultAuth
  /** Vault Enterprise / HCP namespace (`X-Vault-Namespace`). */
  namespace?: string | undefined
  /** Timeout of one HTTP attempt, in ms. @default 5000 */
  timeoutMs?: number | undefined
  /** Retries after the first attempt on network errors, 429 and 5xx. @default 2 */
  retries?: number | undefined
  /** First backoff delay, in ms (doubles per retry). @default 100 */
  backoffMs?: number | undefined
  logger?: Logger | undefined
  /** @default globalThis.fetch */
  fetch?: typeof fetch | undefined
}

/** One Vault request. */
export interface VaultRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST'
  /** Path after `/v1/`, e.g. `transit/sign/my-key`. */
  path: string
  body?: unknown
  /** Retry on network errors and 5xx; `false` for non-idempotent calls (rotate). @default true */
  idempotent?: boolean
}

/** A Vault answer: the status and the parsed JSON body (`undefined` for 204). */
export interface VaultResponse {
  status: number
  body: Record<string, unknown> | undefined
}

export interface VaultClient {
  /** Sends `req`; 404 is returned (not thrown) so callers can map absence. @throws {IdpError} DEPENDENCY_UNAVAILABLE */
  request(req: VaultRequest): Promise<VaultResponse>
}

/** The `errors` array of a Vault error body, for logs. */
function vaultErrors(body: Record<string, unknown> | undefined): string[] {
  const errors = body?.['errors']
  return Array.isArray(errors) ? errors.map(String) : []
}

/** Problems with client options, for `CONFIG_INVALID`. */
export function vaultClientProblems(options: VaultClientOptions): string[] {
  const problems: string[] = []
  try {
    const u = new URL(options.address)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push('address must be an http(s) URL')
  } catch {
    problems.push('address must be an http(s) URL')
  }
  if ('token' in options.auth) {
    if (options.auth.token === '') problems.push('auth.token must not be empty')
  } else if (options.auth.appRole.roleId === '' || options.auth.appRole.secretId === '') {
    problems.push('auth.appRole needs roleId and secretId')
  }
  for (const key of ['timeoutMs', 'retries', 'backoffMs'] as const) {
    const v = options[key]
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) problems.push(`${key} must be a non-negative integer`)
  }
  return problems
}

/**
 * Creates a Vault client.
 *
 * @example
 * const vault = createVaultClient({ address: 'https://vault:8200', auth: { token: process.env.VAULT_TOKEN } })
 * const { body } = await vault.request({ method: 'GET', path: 'transit/keys/agentidp' })
 * @throws {IdpError} CONFIG_INVALID listing every invalid option.
 */
export function createVaultClient(options: VaultClientOptions): VaultClient {
  const problems = vaultClientProblems(options)
  if (problems.length > 0) throw new IdpError('CONFIG_INVALID', problems.join('; '))
  const base = options.address.replace(/(?<!\/)\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 5000
  const retries = options.retries ?? 2
  const backoffMs = options.backoffMs ?? 100
  const log = options.logger ?? silentLogger
  const doFetch = options.fetch ?? globalThis.fetch
  const { auth } = options
  let token: string | undefined = 'token' in auth ? auth.token : undefined
  let loggingIn: Promise<string> | undefined

  const send = async (req: VaultRequest, withToken: string | undefined): Promise<VaultResponse> => {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (withToken !== undefined) headers['x-vault-token'] = withToken
    if (options.namespace !== undefined) headers['x-vault-namespace'] = options.namespace
    if (req.body !== undefined) headers['content-type'] = 'application/json'
    const maxAttempts = req.idempotent === false ? 1 : retries + 1
    let lastError: unknown
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)))
      try {
        const res = await doFetch(`${base}/v1/${req.path}`, {
          method: req.method,
          headers,
          ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
          signal: AbortSignal.timeout(timeoutMs),
        })
        const text = await res.text()
        const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>)
        if (res.status === 429 || res.status >= 500) {
          lastError = new Error(`vault ${req.method} ${req.path}: ${res.status} ${vaultErrors(body).join('; ')}`)
          continue
        }
        return { status: res.status, body }
      } catch (err) {
        lastError = err
      }
    }
    log.warn({ event: 'vault.unavailable', path: req.path, err: lastError }, 'vault request failed')
    throw new IdpError('DEPENDENCY_UNAVAILABLE', 'Vault unavailable', { cause: lastError })
  }

  const login = async (): Promise<string> => {
    if ('token' in auth) return auth.token
    const mount = auth.appRole.mount ?? 'approle'
    const res = await send({ method: 'POST', path: `auth/${mount}/login`, body: { role_id: auth.appRole.roleId, secret_id: auth.appRole.secretId } }, undefined)
    const clientToken = (res.body?.['auth'] as { client_token?: unknown } | undefined)?.client_token
    if (res.status !== 200 || typeof clientToken !== 'string') {
      throw new IdpError('DEPENDENCY_UNAVAILABLE', 'Vault AppRole login failed', { cause: new Error(vaultErrors(res.body).join('; ')) })
    }
    return clientToken
  }
  const currentToken = async (renew: boolean): Promise<string> => {
    if (token !== undefined && !renew) return token
    loggingIn ??= login().finally(() => {
      loggingIn = undefined
    })
    token = await loggingIn
    return token
  }

  return {
    async request(req) {
      let res = await send(req, await currentToken(false))
      // 403 "permission denied" also means an expired AppRole token: log in once more and retry.
      if (res.status === 403 && 'appRole' in auth) res = await send(req, await currentToken(true))
      if (res.status >= 400 && res.status !== 404) {
        throw new IdpError('DEPENDENCY_UNAVAILABLE', 'Vault refused the request', {
          cause: new Error(`vault ${req.method} ${req.path}: ${res.status} ${vaultErrors(res.body).join('; ')}`),
        })
      }
      return res
    },
  }
}
