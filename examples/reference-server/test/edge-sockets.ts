/**
 * HTTP over real sockets from a chosen local address: the loopback range (127.0.0.0/8) lets one
 * test play two clients at two source addresses (`127.0.0.1` and `127.0.0.2`).
 */
import { request } from 'node:http'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The body parsed as JSON, or `undefined` when it is empty or not JSON. */
  json: Record<string, unknown> | undefined
}

export interface SendOptions {
  method?: string
  /** Source address of the TCP connection. @default '127.0.0.1' */
  localAddress?: string
  headers?: Record<string, string>
  body?: string
}

/** One request to `url` from `localAddress`, on a fresh connection. */
export function send(url: string, options: SendOptions = {}): Promise<RawResponse> {
  const { method = 'GET', localAddress = '127.0.0.1', headers = {}, body } = options
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress, agent: false, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: Record<string, unknown> | undefined
        try {
          json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** `POST` of form parameters, optionally with HTTP Basic client credentials. */
export function sendForm(
  url: string,
  params: Record<string, string>,
  options: { localAddress?: string; basic?: { id: string; secret: string }; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers }
  if (options.basic !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${encodeURIComponent(options.basic.id)}:${encodeURIComponent(options.basic.secret)}`).toString('base64')}`
  }
  return send(url, { method: 'POST', headers, body: new URLSearchParams(params).toString(), ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) })
}
