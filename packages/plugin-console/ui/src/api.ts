/**
 * The console's HTTP layer: same-origin requests with the session cookie, the CSRF token on every
 * state-changing request, problem+json errors as {@link ApiError}.
 */

export interface Operator {
  operatorId: string
  organizationId: string
  email: string
  displayName: string
  role: 'owner' | 'admin' | 'member' | 'viewer'
  status: 'active' | 'disabled'
  scopes: string[]
  createdAt: string
}

export interface SessionInfo {
  operator: Operator
  csrfToken: string
  expiresAt: string
  features: string[]
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

let csrfToken = ''

/** Remembers the CSRF token of the current session (from sign-in or `GET /console/api/session`). */
export function setCsrfToken(token: string): void {
  csrfToken = token
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const text = await res.text()
  const data: unknown = text === '' ? undefined : JSON.parse(text)
  if (!res.ok) {
    const problem = (data ?? {}) as { code?: string; detail?: string; title?: string }
    throw new ApiError(res.status, problem.code ?? 'ERROR', problem.detail ?? problem.title ?? `HTTP ${res.status}`)
  }
  return data as T
}

export const get = <T>(path: string) => request<T>('GET', path)
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body)
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body)
export const del = (path: string) => request<undefined>('DELETE', path)

/** `true` when the signed-in operator holds `scope`. */
export const can = (session: SessionInfo | undefined, scope: string) => session?.operator.scopes.includes(scope) === true
