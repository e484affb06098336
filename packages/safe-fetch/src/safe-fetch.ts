import { lookup as dnsLookup } from 'node:dns/promises'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import { Agent, request } from 'undici'
import { checkAddress } from './address-policy.js'

/** One resolved address, as `dns.lookup(host, { all: true })` returns them. */
export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

/** Resolves a host name to every address it has. Injected in tests; `dns.lookup` otherwise. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>

export type SafeFetchErrorCode =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'address_not_allowed'
  | 'dns_failed'
  | 'redirect_refused'
  | 'response_too_large'
  | 'timeout'
  | 'network_error'

/** Every refusal and failure of a safe fetch. The message names the host, never a header or body. */
export class SafeFetchError extends Error {
  override readonly name = 'SafeFetchError'
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
    /** The response status, for `redirect_refused` and `response_too_large`. */
    readonly status?: number,
  ) {
    super(message)
  }
}

export interface SafeFetchOptions {
  /**
   * Development and tests only: allows `http:` and loopback, private, link-local, CGNAT and
   * unique-local addresses. Cloud metadata, unspecified, multicast and broadcast stay refused.
   */
  readonly allowPrivate?: boolean
  /** Host name resolution; default `dns.lookup` with every address. */
  readonly resolve?: Resolver
  /** Response body cap in bytes (default 1 MiB): a larger body fails with `response_too_large`. */
  readonly maxResponseBytes?: number
  /** Total time cap in milliseconds, connect to last body byte (default 10 s). */
  readonly timeoutMs?: number
}

export interface SafeRequestInit {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD'
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
  /** Aborts the request early (the total time cap applies anyway). */
  readonly signal?: AbortSignal
}

export interface SafeResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: Uint8Array
  text(): string
}

export interface SafeFetch {
  /** Sends one request. 2xx–5xx responses resolve; a 3xx rejects with `redirect_refused` (never followed). */
  fetch(url: string | URL, init?: SafeRequestInit): Promise<SafeResponse>
  /** Closes the connection pool. */
  close(): Promise<void>
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
const DEFAULT_TIMEOUT_MS = 10_000

const defaultResolver: Resolver = async (hostname) => {
  const addresses = await dnsLookup(hostname, { all: true, verbatim: true })
  return addresses.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }))
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * The `lookup` of every outbound connection: resolves once, refuses the host if ANY of its
 * addresses is refused, and hands the socket the checked address — the connection goes to exactly
 * the address that was checked, so a second (rebound) resolution never happens.
 */
export function createPinnedLookup(resolve: Resolver, policy: { readonly allowPrivate?: boolean }) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolveAndCheck(resolve, hostname, policy, options.family).then(
      (pinned) => {
        if (options.all === true) callback(null, [{ address: pinned.address, family: pinned.family }])
        else callback(null, pinned.address, pinned.family)
      },
      (err: unknown) => {
        const error = err instanceof SafeFetchError ? err : new SafeFetchError('dns_failed', `cannot resolve ${hostname}`)
        callback(error, '', 0)
      },
    )
  }
}

async function resolveAndCheck(
  resolve: Resolver,
  hostname: string,
  policy: { readonly allowPrivate?: boolean },
  family: number | string | undefined,
): Promise<ResolvedAddress> {
  const addresses = await resolve(hostname)
  if (addresses.length === 0) throw new SafeFetchError('dns_failed', `${hostname} has no address`)
  for (const entry of addresses) {
    const verdict = checkAddress(entry.address, policy)
    if (!verdict.allowed) {
      throw new SafeFetchError('address_not_allowed', `${hostname} resolves to a ${verdict.class} address`)
    }
  }
  const wanted = family === 6 || family === 'IPv6' ? 6 : family === 4 || family === 'IPv4' ? 4 : undefined
  const pinned = addresses.find((entry) => wanted === undefined || entry.family === wanted)
  if (pinned === undefined) throw new SafeFetchError('dns_failed', `${hostname} has no IPv${wanted} address`)
  return pinned
}

function parseTarget(url: string | URL, allowPrivate: boolean): URL {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw new SafeFetchError('invalid_url', 'not an absolute URL')
  }
  if (target.protocol !== 'https:' && !(allowPrivate && target.protocol === 'http:')) {
    throw new SafeFetchError('scheme_not_allowed', `${target.protocol} URLs are not allowed (https only)`)
  }
  if (target.username !== '' || target.password !== '') {
    throw new SafeFetchError('invalid_url', 'URLs with credentials are not allowed')
  }
  // A literal address never reaches `lookup` (the socket connects to it directly): check it here.
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname
  if (isIP(host) !== 0) {
    const verdict = checkAddress(host, { allowPrivate })
    if (!verdict.allowed) throw new SafeFetchError('address_not_allowed', `${verdict.class} address refused`)
  }
  return target
}

function unwrap(err: unknown): SafeFetchError | undefined {
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof SafeFetchError) return current
    current = current.cause
  }
  return undefined
}

/**
 * An outbound HTTP client for URLs chosen by users (webhook endpoints, JWKS of federated
 * issuers): only public addresses, each connection pinned to the address that was checked,
 * https only, no redirects, capped response size and total time.
 */
export function createSafeFetch(options: SafeFetchOptions = {}): SafeFetch {
  const allowPrivate = options.allowPrivate === true
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const agent = new Agent({
    connect: { lookup: createPinnedLookup(options.resolve ?? defaultResolver, { allowPrivate }), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  })

  async function fetchOnce(url: string | URL, init: SafeRequestInit = {}): Promise<SafeResponse> {
    const target = parseTarget(url, allowPrivate)
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = init.signal === undefined ? timeout : AbortSignal.any([timeout, init.signal])
    try {
      const response = await request(target, {
        dispatcher: agent,
        method: init.method ?? 'GET',
        ...(init.headers === undefined ? {} : { headers: init.headers }),
        ...(init.body === undefined ? {} : { body: init.body }),
        signal,
      })
      if (response.statusCode >= 300 && response.statusCode < 400) {
        await response.body.dump()
        throw new SafeFetchError('redirect_refused', `redirect (${response.statusCode}) not followed`, response.statusCode)
      }
      // Discarding the rest of a body aborts it: the abort is expected, not an unhandled error.
      response.body.on('error', () => undefined)
      const declared = Number(response.headers['content-length'])
      if (Number.isFinite(declared) && declared > maxResponseBytes) {
        response.body.destroy()
        throw new SafeFetchError('response_too_large', `response exceeds ${maxResponseBytes} bytes`, response.statusCode)
      }
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of response.body) {
        const buffer = chunk as Buffer
        size += buffer.length
        if (size > maxResponseBytes) {
          response.body.destroy()
          throw new SafeFetchError('response_too_large', `response exceeds ${maxResponseBytes} bytes`, response.statusCode)
        }
        chunks.push(buffer)
      }
      const body = Buffer.concat(chunks)
      return { status: response.statusCode, headers: response.headers, body, text: () => body.toString('utf8') }
    } catch (err) {
      const known = unwrap(err)
      if (known !== undefined) throw known
      if (timeout.aborted) throw new SafeFetchError('timeout', `no complete response within ${timeoutMs} ms`)
      if (init.signal?.aborted === true) throw err
      throw new SafeFetchError('network_error', `request to ${target.host} failed`)
    }
  }

  return { fetch: fetchOnce, close: () => agent.close() }
}
