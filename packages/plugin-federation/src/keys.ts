/**
 * Where the keys of a foreign issuer come from, and how long they are trusted: the issuer's OIDC
 * discovery document (`jwks_uri`) or a JWKS URL an administrator set on a partner — never a URL a
 * client supplied. Every fetch goes through the injected {@link Transport} (`@sentryagent/safe-fetch`
 * in production), without redirects, with a timeout and a size bound.
 *
 * Caching: a JWKS is fresh for its `Cache-Control` `max-age` (clamped to [60 s, 24 h]; 5 min when
 * absent, 60 s for `no-cache`/`no-store`). A token whose `kid` is unknown triggers ONE refetch,
 * at most once per cooldown (30 s) per URL. When the issuer is unreachable after expiry, the last
 * good keys keep serving for a bounded time (`staleIfErrorSeconds`, 1 h by default); after that,
 * verification fails closed.
 *
 * @module
 */
import type { JWK } from 'jose'

/**
 * The transport: the `SafeFetch` of `@sentryagent/safe-fetch` in production (checked and pinned
 * public addresses, https only, no redirects, size and time caps), or anything of its shape (tests
 * map real issuer URLs to local servers with it).
 */
export interface Transport {
  fetch(
    url: string,
    init: { method: 'GET'; headers: Readonly<Record<string, string>>; signal: AbortSignal },
  ): Promise<{ readonly status: number; readonly headers: Readonly<Record<string, string | string[] | undefined>>; text(): string }>
}

export interface KeySourceOptions {
  transport: Transport
  clock: () => Date
  /** `http://localhost` / `http://127.0.0.1` URLs are accepted (development and tests only). */
  allowInsecureLocalhost?: boolean
  defaultTtlSeconds?: number
  minTtlSeconds?: number
  maxTtlSeconds?: number
  staleIfErrorSeconds?: number
  unknownKidCooldownSeconds?: number
  timeoutMs?: number
  maxBytes?: number
}

/** Thrown when no usable keys can be had (unreachable issuer past the stale bound, bad documents). */
export class KeysUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KeysUnavailableError'
  }
}

interface Entry<T> {
  value: T
  expiresAt: number
}

const ALLOWED_KTY = new Set(['RSA', 'EC', 'OKP'])
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']

/** `url` without trailing slashes (a loop: a `/\/+$/` pattern is quadratic on long runs of slashes). */
function withoutTrailingSlashes(url: string): string {
  let end = url.length
  while (end > 0 && url.charCodeAt(end - 1) === 47) end--
  return url.slice(0, end)
}

/** `true` when `url` may be fetched: https, or http on localhost when allowed. */
export function isFetchableUrl(url: string, allowInsecureLocalhost: boolean): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (u.username !== '' || u.password !== '' || u.hash !== '') return false
  if (u.protocol === 'https:') return true
  return allowInsecureLocalhost && u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]')
}

/** Seconds of `max-age` (or `s-maxage`) in a Cache-Control header; 0 for no-store/no-cache; `undefined` when absent. */
export function cacheControlMaxAge(header: string | null): number | undefined {
  if (header === null) return undefined
  const directives = header.toLowerCase().split(',').map((d) => d.trim())
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0
  for (const name of ['s-maxage', 'max-age']) {
    const d = directives.find((x) => x.startsWith(`${name}=`))
    if (d !== undefined) {
      const n = Number(d.slice(name.length + 1).replaceAll('"', ''))
      if (Number.isInteger(n) && n >= 0) return n
    }
  }
  return undefined
}

/** The public signing keys of one issuer, as served. */
export interface KeySource {
  /** Keys of `jwksUri` (or of the issuer's discovery when `jwksUri` is undefined), refetched once when `kid` is unknown. */
  keys(issuer: string, jwksUri: string | undefined, kid: string | undefined): Promise<JWK[]>
  /** Fetches a JWKS now (partner registration): its usable keys, or throws. */
  probe(jwksUri: string): Promise<JWK[]>
  /** Forgets what was cached for an issuer and a JWKS URL (partner changed or removed). */
  forget(issuer: string, jwksUri?: string): void
}

export function createKeySource(options: KeySourceOptions): KeySource {
  const o = {
    defaultTtl: options.defaultTtlSeconds ?? 300,
    minTtl: options.minTtlSeconds ?? 60,
    maxTtl: options.maxTtlSeconds ?? 86_400,
    stale: options.staleIfErrorSeconds ?? 3600,
    cooldown: options.unknownKidCooldownSeconds ?? 30,
    timeoutMs: options.timeoutMs ?? 5000,
    maxBytes: options.maxBytes ?? 256 * 1024,
    insecure: options.allowInsecureLocalhost === true,
  }
  const now = () => options.clock().getTime()
  const jwksCache = new Map<string, Entry<JWK[]>>()
  const discoveryCache = new Map<string, Entry<string>>()
  const lastForcedRefetch = new Map<string, number>()
  const inflight = new Map<string, Promise<unknown>>()

  async function getJson(url: string): Promise<{ body: unknown; ttlSeconds: number }> {
    if (!isFetchableUrl(url, o.insecure)) throw new KeysUnavailableError(`refusing to fetch ${url}: https only`)
    const signal = AbortSignal.timeout(o.timeoutMs)
    let res: Awaited<ReturnType<Transport['fetch']>>
    try {
      res = await options.transport.fetch(url, { method: 'GET', headers: { accept: 'application/json' }, signal })
    } catch (err) {
      throw new KeysUnavailableError(`fetching ${url} failed: ${err instanceof Error ? err.message : 'error'}`)
    }
    if (res.status !== 200) throw new KeysUnavailableError(`fetching ${url} answered ${res.status}`)
    const text = res.text()
    if (Buffer.byteLength(text) > o.maxBytes) throw new KeysUnavailableError(`${url} is too large`)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new KeysUnavailableError(`${url} is not JSON`)
    }
    const header = res.headers['cache-control']
    const maxAge = cacheControlMaxAge(header === undefined ? null : Array.isArray(header) ? header.join(', ') : header)
    const ttlSeconds = Math.min(o.maxTtl, Math.max(o.minTtl, maxAge ?? o.defaultTtl))
    return { body, ttlSeconds }
  }

  function once<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = inflight.get(key) as Promise<T> | undefined
    if (running !== undefined) return running
    const p = work().finally(() => inflight.delete(key))
    inflight.set(key, p)
    return p
  }

  async function fetchJwks(url: string): Promise<Entry<JWK[]>> {
    const { body, ttlSeconds } = await getJson(url)
    const keys = usableKeys(body)
    if (keys.length === 0) throw new KeysUnavailableError(`${url} holds no usable public signing key`)
    return { value: keys, expiresAt: now() + ttlSeconds * 1000 }
  }

  async function jwksUriOf(issuer: string): Promise<string> {
    const cached = discoveryCache.get(issuer)
    if (cached !== undefined && cached.expiresAt > now()) return cached.value
    try {
      const entry = await once(`discovery:${issuer}`, async () => {
        const { body, ttlSeconds } = await getJson(`${withoutTrailingSlashes(issuer)}/.well-known/openid-configuration`)
        if (typeof body !== 'object' || body === null) throw new KeysUnavailableError('discovery document is not an object')
        const doc = body as Record<string, unknown>
        if (doc['issuer'] !== issuer) throw new KeysUnavailableError('discovery document names another issuer')
        const uri = doc['jwks_uri']
        if (typeof uri !== 'string' || !isFetchableUrl(uri, o.insecure)) throw new KeysUnavailableError('discovery document has no usable jwks_uri')
        return { value: uri, expiresAt: now() + ttlSeconds * 1000 }
      })
      discoveryCache.set(issuer, entry)
      return entry.value
    } catch (err) {
      // The last known jwks_uri serves while discovery is unreachable, within the stale bound.
      if (cached !== undefined && cached.expiresAt + o.stale * 1000 > now()) return cached.value
      throw err
    }
  }

  async function refresh(url: string, previous: Entry<JWK[]> | undefined): Promise<JWK[]> {
    try {
      const entry = await once(`jwks:${url}`, () => fetchJwks(url))
      jwksCache.set(url, entry)
      return entry.value
    } catch (err) {
      if (previous !== undefined && previous.expiresAt + o.stale * 1000 > now()) return previous.value
      throw err
    }
  }

  return {
    async keys(issuer, jwksUri, kid) {
      const url = jwksUri ?? (await jwksUriOf(issuer))
      const cached = jwksCache.get(url)
      let keys = cached !== undefined && cached.expiresAt > now() ? cached.value : await refresh(url, cached)
      if (kid !== undefined && !keys.some((k) => k.kid === kid)) {
        const last = lastForcedRefetch.get(url)
        if (last === undefined || now() - last >= o.cooldown * 1000) {
          lastForcedRefetch.set(url, now())
          keys = await refresh(url, jwksCache.get(url))
        }
      }
      return keys
    },
    async probe(jwksUri) {
      const entry = await fetchJwks(jwksUri)
      jwksCache.set(jwksUri, entry)
      return entry.value
    },
    forget(issuer, jwksUri) {
      discoveryCache.delete(issuer)
      if (jwksUri !== undefined) {
        jwksCache.delete(jwksUri)
        lastForcedRefetch.delete(jwksUri)
      }
    },
  }
}

/**
 * Public signing keys of a JWKS document or SPIFFE bundle (`use: jwt-svid`); private members,
 * symmetric keys, encryption keys and X.509-SVID roots are dropped.
 */
export function usableKeys(body: unknown): JWK[] {
  if (typeof body !== 'object' || body === null) return []
  const keys = (body as Record<string, unknown>)['keys']
  if (!Array.isArray(keys)) return []
  return keys
    .filter((k): k is JWK => typeof k === 'object' && k !== null && !Array.isArray(k))
    .filter((k) => typeof k.kty === 'string' && ALLOWED_KTY.has(k.kty))
    .filter((k) => PRIVATE_MEMBERS.every((m) => !(m in k)))
    .filter((k) => k.use === undefined || k.use === 'sig' || k.use === 'jwt-svid')
    .slice(0, 100)
}
