import { pino, type Logger } from 'pino'

/** Paths redacted from every log line: credentials, tokens, secrets (STYLE §11). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.client_secret',
  '*.clientSecret',
  '*.password',
  '*.privateKey',
  '*.masterKey',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.assertion',
]

/** The one pino logger of the server. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'sentryagent-idp' } },
    destination ?? process.stdout,
  )
}
