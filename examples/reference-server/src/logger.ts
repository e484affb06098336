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

/** The part of a Fastify request the `req` serializer reads. */
interface LoggedRequest {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number } | null
}

/**
 * The `req` serializer: Fastify's fields, with the URL reduced to its path. Query strings are never
 * logged: a client may put a credential there (`?access_token=…`, RFC 6750 §2.3), and although such
 * requests are rejected, the log line is written before anything looks at them.
 */
function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? (req.url.split('?', 1)[0] ?? '/') : undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }
}

/** The one pino logger of the server. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'sentryagent-idp' },
      serializers: { req: serializeRequest },
    },
    destination ?? process.stdout,
  )
}
