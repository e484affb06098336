/**
 * Entry point: `npm start`. Loads the configuration, builds, listens, prints generated bootstrap
 * credentials once, and shuts down gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight
 * requests, close pools).
 *
 * @module
 */
import { build, saveBootstrapCredentials } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { createLogger } from './logger.js'

async function main(): Promise<void> {
  const config = loadConfig()
  const log = createLogger(config.logLevel)
  const { app, bootstrap } = await build(config, { logger: log })
  const file = await saveBootstrapCredentials(config, bootstrap)
  if (file !== undefined && bootstrap.clientSecret !== undefined) {
    // Printed once, on first start only: the secret is not stored anywhere else in clear.
    process.stdout.write(
      `\nBootstrap administrator client created (saved to ${file}):\n` +
        `  client_id:     ${bootstrap.clientId}\n  client_secret: ${bootstrap.clientSecret}\n\n`,
    )
  }
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
  await app.listen({ port: config.port, host: config.host })
  log.info({ issuer: config.issuer }, 'SentryAgent AgentIdP ready')
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`)
  } else {
    process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  }
  process.exit(1)
})
