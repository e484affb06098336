/** The reference server's configuration: embedded defaults, and every problem listed at once. */
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

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
    })
    expect(c).toMatchObject({ port: 8080, issuer: 'https://idp.example.com', databaseSchema: 'idp', bootstrapClientId: 'admin', logLevel: 'warn', databaseQueryTimeoutMs: 0 })
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
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    for (const name of ['PORT', 'ISSUER', 'DATABASE_URL', 'SENTRYAGENT_MASTER_KEY', 'SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET', 'LOG_LEVEL', 'AUDIT_RETENTION_DAYS', 'DATABASE_QUERY_TIMEOUT_MS']) {
      expect(problems).toContain(name)
    }
    expect(problems).not.toContain('short-secret-value')
  })
})
