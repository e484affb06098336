/** The reference server's configuration: embedded defaults, and every problem listed at once. */
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, startupWarnings } from '../src/config.js'

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      issuer: 'http://localhost:3000',
      dataDir: './data',
      databaseUrl: undefined,
      masterKey: undefined,
      accessTokenTtlSeconds: 3600,
      auditRetentionDays: 90,
      auditCheckpointIntervalSeconds: 300,
      databaseQueryTimeoutMs: 5000,
      logLevel: 'info',
    })
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('maps the documented variables', () => {
    const c = loadConfig({
      PORT: '8080',
      ISSUER: 'https://idp.example.com/',
      DATABASE_URL: 'postgres://u@db:5432/idp',
      DATABASE_SCHEMA: 'idp',
      SENTRYAGENT_MASTER_KEY: 'm'.repeat(32),
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: 'admin',
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: 's'.repeat(32),
      LOG_LEVEL: 'warn',
      DATABASE_QUERY_TIMEOUT_MS: '0',
      PGLITE_SHARED_BUFFERS: '32MB',
    })
    expect(c).toMatchObject({ port: 8080, issuer: 'https://idp.example.com', databaseSchema: 'idp', bootstrapClientId: 'admin', logLevel: 'warn', databaseQueryTimeoutMs: 0, pgliteSharedBuffers: '32MB' })
    expect(loadConfig({}).pgliteSharedBuffers).toBeUndefined()
  })

  it('lists every problem at once, and never echoes a secret', () => {
    let error: unknown
    try {
      loadConfig({
        PORT: 'eighty',
        ISSUER: 'ftp://x',
        DATABASE_URL: 'mysql://x',
        SENTRYAGENT_MASTER_KEY: 'short-secret-value',
        SENTRYAGENT_BOOTSTRAP_CLIENT_ID: 'admin',
        LOG_LEVEL: 'loud',
        AUDIT_RETENTION_DAYS: '-1',
        DATABASE_QUERY_TIMEOUT_MS: '5s',
        PGLITE_SHARED_BUFFERS: '16 MB',
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    for (const name of ['PORT', 'ISSUER', 'DATABASE_URL', 'SENTRYAGENT_MASTER_KEY', 'SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET', 'LOG_LEVEL', 'AUDIT_RETENTION_DAYS', 'DATABASE_QUERY_TIMEOUT_MS', 'PGLITE_SHARED_BUFFERS']) {
      expect(problems).toContain(name)
    }
    expect(problems).not.toContain('short-secret-value')
  })

  it('maps every rate limit variable', () => {
    const c = loadConfig({
      RATE_LIMIT_INTROSPECT_IP_POINTS: '11',
      RATE_LIMIT_REVOKE_IP_POINTS: '12',
      RATE_LIMIT_TOKEN_WINDOW_SECONDS: '30',
      RATE_LIMIT_PUBLIC_IP_POINTS: '13',
      RATE_LIMIT_PUBLIC_IP_WINDOW_SECONDS: '14',
      RATE_LIMIT_BEARER_FAILURES: '15',
      RATE_LIMIT_BEARER_FAILURE_WINDOW_SECONDS: '16',
    })
    expect(c.ops.rateLimit).toMatchObject({
      introspectPerIp: { points: 11, durationSeconds: 30 },
      revokePerIp: { points: 12, durationSeconds: 30 },
      publicPerIp: { points: 13, durationSeconds: 14 },
      bearerFailuresPerIp: { points: 15, durationSeconds: 16 },
      authFailures: { points: 10, durationSeconds: 300 },
    })
  })

  it('takes TRUST_PROXY as the proxies’ addresses or a bounded hop count, never as "trust every hop"', () => {
    expect(loadConfig({}).ops.trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'false' }).ops.trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8,::1,loopback' }).ops.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      '::1',
      'loopback',
    ])
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env)
        return ''
      } catch (err) {
        return (err as ConfigError).problems.join('\n')
      }
    }
    expect(problems({ TRUST_PROXY: 'true' })).toMatch(/TRUST_PROXY=true would let a client that connects directly forge its address/)
    expect(loadConfig({ TRUST_PROXY: '2' }).ops.trustProxy).toEqual({ hops: 2 })
    expect(startupWarnings(loadConfig({ TRUST_PROXY: '1' }))).toEqual([expect.stringMatching(/^TRUST_PROXY=1 believes the 1 nearest peer/)])
    expect(startupWarnings(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }))).toEqual([])
    expect(problems({ TRUST_PROXY: '0' })).toMatch(/TRUST_PROXY as a hop count must be 1–16: 0/)
    expect(problems({ TRUST_PROXY: '17' })).toMatch(/TRUST_PROXY as a hop count must be 1–16: 17/)
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'proxy.example', '10.0.0.1/8/1', '10.0.0.1,', '1.2.3.4/x']) {
      expect(problems({ TRUST_PROXY: bad }), bad).toContain('TRUST_PROXY')
    }
  })

  it('takes CORS_ORIGINS as exact origins only', () => {
    expect(loadConfig({}).corsOrigins).toEqual([])
    expect(loadConfig({ CORS_ORIGINS: 'https://console.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://console.example.com',
      'http://localhost:5173',
    ])
    for (const bad of ['*', 'https://a.example/', 'https://a.example/app', 'a.example', 'https://*.example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/)
    }
  })

  it('warns when processes may share state under the default issuer', () => {
    const pg = 'postgres://u@db:5432/idp'
    expect(startupWarnings(loadConfig({ DATABASE_URL: pg }))).toEqual([expect.stringMatching(/^ISSUER is not set: this process uses http:\/\/localhost:3000/)])
    expect(startupWarnings(loadConfig({ REDIS_URL: 'redis://cache:6379' }))).toHaveLength(1)
    expect(startupWarnings(loadConfig({ DATABASE_URL: pg, ISSUER: 'https://idp.example.com' }))).toEqual([])
    expect(startupWarnings(loadConfig({}))).toEqual([])
  })
})

describe('PLUGINS', () => {
  const entry = (byDefault: boolean) => ({ enabledByDefault: () => byDefault, create: () => ({ extension: { id: 'x' } }) })
  const known = { alpha: entry(true), beta: entry(false) }

  it('defaults to every known plugin enabled by default; `none` installs none; a list is taken as given', async () => {
    const { selectPlugins } = await import('../src/plugins.js')
    expect(loadConfig({}).plugins).toBeUndefined()
    expect(selectPlugins(loadConfig({}), known)).toEqual(['alpha'])
    expect(selectPlugins(loadConfig({ PLUGINS: 'none' }), known)).toEqual([])
    expect(selectPlugins(loadConfig({ PLUGINS: ' beta , alpha ' }), known)).toEqual(['beta', 'alpha'])
  })

  it('refuses malformed and duplicate names, and unknown plugins by name', async () => {
    const { selectPlugins, UnknownPluginError } = await import('../src/plugins.js')
    expect(() => loadConfig({ PLUGINS: 'Alpha,alpha,alpha' })).toThrow(ConfigError)
    const err = (() => {
      try {
        selectPlugins(loadConfig({ PLUGINS: 'alpha,gamma' }), known)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(UnknownPluginError)
    expect((err as Error).message).toMatch(/gamma/)
  })
})

describe('federation settings', () => {
  it('parses the allowed issuers, the token age and the development switch, which is warned', () => {
    const defaults = loadConfig({})
    expect(defaults.federation).toEqual({ allowedIssuers: undefined, maxTokenAgeSeconds: 600, allowInsecureLocalhost: false })
    const set = loadConfig({
      FEDERATION_ALLOWED_ISSUERS: 'https://token.actions.githubusercontent.com, https://gitlab.com',
      FEDERATION_MAX_TOKEN_AGE_SECONDS: '300',
      FEDERATION_ALLOW_INSECURE_LOCALHOST: 'true',
    })
    expect(set.federation).toEqual({
      allowedIssuers: ['https://token.actions.githubusercontent.com', 'https://gitlab.com'],
      maxTokenAgeSeconds: 300,
      allowInsecureLocalhost: true,
    })
    expect(startupWarnings(set)).toEqual([expect.stringMatching(/^FEDERATION_ALLOW_INSECURE_LOCALHOST is set/)])
    expect(() => loadConfig({ FEDERATION_ALLOWED_ISSUERS: 'http://token.example' })).toThrow(ConfigError)
    expect(() => loadConfig({ FEDERATION_ALLOW_INSECURE_LOCALHOST: 'yes' })).toThrow(ConfigError)
    expect(() => loadConfig({ FEDERATION_MAX_TOKEN_AGE_SECONDS: '5' })).toThrow(ConfigError)
  })
})

describe('billing variables', () => {
  it('installs billing by default only with STRIPE_SECRET_KEY, never with BILLING_ENABLED=false', async () => {
    const { selectPlugins, KNOWN_PLUGINS } = await import('../src/plugins.js')
    expect(selectPlugins(loadConfig({}), KNOWN_PLUGINS)).not.toContain('billing')
    expect(selectPlugins(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x' }), KNOWN_PLUGINS)).toContain('billing')
    expect(selectPlugins(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x', BILLING_ENABLED: 'false' }), KNOWN_PLUGINS)).not.toContain('billing')
    expect(selectPlugins(loadConfig({ PLUGINS: 'billing' }), KNOWN_PLUGINS)).toEqual(['billing'])
    expect(() => loadConfig({ PLUGINS: 'billing', BILLING_ENABLED: 'false' })).toThrow(/BILLING_ENABLED=false/)
  })

  it('maps the Stripe and enforcement variables and lists every problem', () => {
    const c = loadConfig({
      ISSUER: 'https://idp.example.com',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_PRICE_PRO: 'price_p',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      TIER_ENFORCEMENT: 'false',
      RATE_LIMIT_FAIL_MODE: 'closed',
      BILLING_FLUSH_INTERVAL_SECONDS: '30',
    })
    expect(c.billing.options).toMatchObject({
      enforcement: false,
      failMode: 'closed',
      flushIntervalMs: 30_000,
      stripe: {
        secretKey: 'sk_test_x',
        webhookSecret: 'whsec_x',
        prices: { pro: 'price_p', enterprise: undefined },
        apiBase: 'http://127.0.0.1:12111',
        successUrl: 'https://idp.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}',
        cancelUrl: 'https://idp.example.com/billing/cancel',
        portalReturnUrl: 'https://idp.example.com',
      },
    })
    const err = (() => {
      try {
        loadConfig({ STRIPE_SECRET_KEY: 'sk', STRIPE_API_BASE: 'ftp://x', STRIPE_SUCCESS_URL: 'nope', TIER_ENFORCEMENT: 'maybe', STRIPE_METER_EVENT_NAME: 'a b' })
      } catch (e) {
        return e as ConfigError
      }
      return undefined
    })()
    expect(err?.problems.join('\n')).toMatch(/STRIPE_API_BASE[\s\S]*STRIPE_METER_EVENT_NAME|STRIPE_METER_EVENT_NAME[\s\S]*STRIPE_API_BASE/)
    expect(err?.problems.join('\n')).toMatch(/STRIPE_SUCCESS_URL/)
    expect(err?.problems.join('\n')).toMatch(/TIER_ENFORCEMENT/)
  })
})
