/**
 * The few HTTP calls the benchmarks make to set themselves up (tokens, provisioning), outside the
 * measured load.
 */

/** An HTTP Basic `Authorization` value (RFC 6749 §2.3.1: form-encoded id and secret). */
export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

/** The JSON body of a 2xx response; throws with the status and body otherwise. */
export async function json(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text()
  if (!res.ok) throw new Error(`${res.status} ${text}`)
  return JSON.parse(text) as Record<string, unknown>
}

/** An access token by `client_credentials` with `client_secret_basic`. */
export async function token(base: string, id: string, secret: string): Promise<string> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
    body: 'grant_type=client_credentials',
  })
  return String((await json(res))['access_token'])
}

/** A REST call with a bearer token and an optional JSON body; resolves with the JSON answer. */
export async function call(base: string, method: string, path: string, bearer: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return json(res)
}
