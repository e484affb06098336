/**
 * Route fuzzing (issue 10, finding 9): the reference server's own OpenAPI document names every
 * operation and every parameter — path, query, JSON body fields, and the form fields of the OAuth
 * endpoints — so routes added later (plugins) are fuzzed without being listed here. For each
 * (operation, parameter), fast-check sends values the document says must be refused (NUL, lone
 * surrogates, over-long strings, values outside an enum, out-of-range and wrong-typed numbers,
 * `%ZZ` and over-long path segments) inside an otherwise valid request, with the token of the
 * platform administrator (every scope). Asserted, for every response: never a 5xx, an
 * `X-Request-Id` of the SPEC §1 shape, and an error body of the route's style (problem+json on
 * REST, RFC 6749 JSON on OAuth endpoints); refused values get a 4xx; and no state changed (every
 * state change is audited in the same transaction, so the audit heads of both organizations, plus
 * the agent and organization lists, are compared before and after each operation). Safe (GET)
 * operations also get odd but possibly valid query values (Unicode oddities, raw `%ZZ`), which may
 * be accepted but never answer 5xx. Seeded; three cases per parameter (about 400 per database).
 */
import { request } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ID, ADMIN_SECRET, TARGETS, api, provisionTenant, startOn, type Running } from './harness.js'

const SEED = 20_261_001
/** Runs per parameter, its fixed example included. */
const RUNS_PER_PARAMETER = 3
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/

type Schema = Record<string, unknown>
type Location = 'path' | 'query' | 'json' | 'form'

interface Operation {
  method: string
  path: string
  oauth: boolean
  params: Array<{ name: string; in: 'path' | 'query'; schema: Schema; required: boolean }>
  body: { location: 'json' | 'form'; schema: Schema } | undefined
}

interface Target {
  op: Operation
  name: string
  location: Location
  schema: Schema
}

const isRecord = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

// ---- reading the OpenAPI document --------------------------------------------------------------

function operationsOf(doc: Schema): Operation[] {
  const resolve = (s: unknown): Schema => {
    if (!isRecord(s)) return {}
    const ref = s['$ref']
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const components = isRecord(doc['components']) && isRecord(doc['components']['schemas']) ? doc['components']['schemas'] : {}
      return resolve(components[ref.slice('#/components/schemas/'.length)])
    }
    return s
  }
  const ops: Operation[] = []
  for (const [path, item] of Object.entries(isRecord(doc['paths']) ? doc['paths'] : {})) {
    if (!isRecord(item)) continue
    for (const [method, raw] of Object.entries(item)) {
      if (!isRecord(raw) || !['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      const responses = isRecord(raw['responses']) ? raw['responses'] : {}
      const clientErrors = responses['4XX'] ?? responses['4xx']
      const oauth = !(isRecord(clientErrors) && isRecord(clientErrors['content']) && 'application/problem+json' in clientErrors['content'])
      const params: Operation['params'] = []
      for (const p of (Array.isArray(raw['parameters']) ? raw['parameters'] : []).filter(isRecord)) {
        const where = p['in']
        if ((where === 'path' || where === 'query') && typeof p['name'] === 'string') {
          params.push({ name: p['name'], in: where, schema: resolve(p['schema']), required: p['required'] === true })
        }
      }
      const content = isRecord(raw['requestBody']) && isRecord(raw['requestBody']['content']) ? raw['requestBody']['content'] : {}
      const json = content['application/json']
      const formBody = content['application/x-www-form-urlencoded']
      const body =
        isRecord(json) ? { location: 'json' as const, schema: resolve(json['schema']) }
        : isRecord(formBody) ? { location: 'form' as const, schema: resolve(formBody['schema']) }
        : undefined
      ops.push({ method: method.toUpperCase(), path, oauth, params, body })
    }
  }
  return ops
}

function targetsOf(op: Operation): Target[] {
  const targets: Target[] = op.params.map((p) => ({ op, name: p.name, location: p.in, schema: p.schema }))
  if (op.body !== undefined) {
    const properties = isRecord(op.body.schema['properties']) ? op.body.schema['properties'] : {}
    for (const [name, schema] of Object.entries(properties)) targets.push({ op, name, location: op.body.location, schema: isRecord(schema) ? schema : {} })
  }
  return targets
}

// ---- what a schema accepts ------------------------------------------------------------------------

const branches = (s: Schema): Schema[] => (Array.isArray(s['anyOf']) ? s['anyOf'].filter(isRecord) : [s])
const enumOf = (s: Schema): unknown[] | undefined => {
  const values = branches(s).flatMap((b) => (Array.isArray(b['enum']) ? b['enum'] : 'const' in b ? [b['const']] : [undefined]))
  return values.some((v) => v === undefined) ? undefined : values
}
const typesOf = (s: Schema): Set<string> => new Set(branches(s).flatMap((b) => (typeof b['type'] === 'string' ? [b['type']] : Array.isArray(b['type']) ? b['type'].map(String) : [])))
const stringBranch = (s: Schema): Schema | undefined => branches(s).find((b) => b['type'] === 'string')

/** A value the schema accepts (for the fields around the one being fuzzed). */
function validSample(s: Schema, known: Record<string, unknown> = {}, name = ''): unknown {
  if (name in known) return known[name]
  const values = enumOf(s)
  if (values !== undefined) return values[0]
  const str = stringBranch(s)
  if (str !== undefined) {
    if (str['format'] === 'date-time') return new Date(Date.now() + 86_400_000).toISOString()
    const min = typeof str['minLength'] === 'number' ? str['minLength'] : 0
    const candidates = ['0f8f6a4e-8d1c-4c39-9a63-4b9d2f0a1b2c', 'abc', 'a:b', '1.0.0', 'fuzz@example.com', 'fuzz-org', 'EC']
    const pattern = typeof str['pattern'] === 'string' ? new RegExp(str['pattern'], 'u') : undefined
    return candidates.find((c) => c.length >= min && (pattern === undefined || pattern.test(c))) ?? 'x'.repeat(Math.max(1, min))
  }
  const types = typesOf(s)
  if (types.has('integer') || types.has('number')) return typeof s['minimum'] === 'number' ? s['minimum'] : 1
  if (types.has('boolean')) return false
  if (types.has('array')) {
    const items = isRecord(s['items']) ? s['items'] : {}
    return typeof s['minItems'] === 'number' && s['minItems'] > 0 ? [validSample(items)] : []
  }
  if (types.has('object') || isRecord(s['properties'])) {
    const properties = isRecord(s['properties']) ? s['properties'] : {}
    const required = Array.isArray(s['required']) ? s['required'].map(String) : []
    return Object.fromEntries(required.map((k) => [k, validSample(isRecord(properties[k]) ? properties[k] : {}, known, k)]))
  }
  return 'x'
}

// ---- values that must be refused --------------------------------------------------------------------

const ascii = fc.string({ maxLength: 8 })
const withNul = fc.tuple(ascii, ascii).map(([a, b]) => `${a}\u0000${b}`)
const loneSurrogate = fc.tuple(ascii, fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF'), ascii).map(([a, s, b]) => `${a}${s}${b}`)
const hugeIntegers = ['99999999999999999999', '-99999999999999999999', '1e400', '123456789012345678901234567890']

/**
 * Values `schema` must refuse, as they travel: JS values for JSON bodies, raw (already encoded)
 * text for path, query and form. The first arbitrary is the fixed example every parameter gets.
 */
function refused(schema: Schema, location: Location): { example: unknown; arbitrary: fc.Arbitrary<unknown> } {
  const wire = location !== 'json'
  const str = stringBranch(schema)
  const values = enumOf(schema)
  const types = typesOf(schema)
  const pick: Array<fc.Arbitrary<unknown>> = []
  let example: unknown
  if (str !== undefined || values !== undefined) {
    example = wire ? 'a%00b' : 'a\u0000b'
    pick.push(wire ? withNul.map(encodeURIComponent) : withNul)
    if (!wire) pick.push(loneSurrogate)
    const max = str !== undefined && typeof str['maxLength'] === 'number' ? str['maxLength'] : undefined
    if (max !== undefined) pick.push(fc.integer({ min: max + 1, max: max + 300 }).map((n) => 'a'.repeat(n)))
    if (values !== undefined) pick.push(ascii.map((s) => `zz-${encodeURIComponent(s)}`).filter((v) => !values.includes(v)))
  }
  if (types.has('integer') || types.has('number')) {
    example = wire ? '99999999999999999999' : 99999999999999999999
    const out: unknown[] = wire ? [...hugeIntegers, 'abc'] : [99999999999999999999, -99999999999999999999, '1']
    if (types.has('integer') && !types.has('number')) out.push(wire ? '1.5' : 1.5)
    if (typeof schema['minimum'] === 'number') out.push(wire ? String(schema['minimum'] - 1) : schema['minimum'] - 1)
    if (typeof schema['maximum'] === 'number') out.push(wire ? String(schema['maximum'] + 1) : schema['maximum'] + 1)
    pick.push(fc.constantFrom(...out))
  }
  if (types.has('boolean')) {
    example ??= wire ? 'maybe' : 'true'
    pick.push(fc.constantFrom(...(wire ? ['maybe', '2', '%00'] : ['true', 1])))
  }
  if (location === 'json') {
    // Wrong JSON types: whatever the schema does not allow.
    const wrong: unknown[] = []
    if (!types.has('string') && str === undefined && values === undefined) wrong.push('x')
    if (!types.has('number') && !types.has('integer')) wrong.push(12345)
    if (!types.has('boolean')) wrong.push(true)
    if (!types.has('null')) wrong.push(null)
    if (!types.has('array')) wrong.push([])
    if (!types.has('object')) wrong.push({})
    pick.push(fc.constantFrom(...wrong))
    if (types.has('array')) {
      const item = isRecord(schema['items']) ? refused(schema['items'], 'json') : undefined
      if (item !== undefined) pick.push(item.arbitrary.map((v) => [v]))
      example ??= item === undefined ? 'x' : [item.example]
    }
    if (types.has('object') || isRecord(schema['properties'])) {
      const valid = validSample(schema)
      const properties = isRecord(schema['properties']) ? schema['properties'] : {}
      const firstString = Object.entries(properties).find(([, p]) => isRecord(p) && stringBranch(p) !== undefined)?.[0]
      if (firstString !== undefined) pick.push(withNul.map((v) => ({ ...(isRecord(valid) ? valid : {}), [firstString]: v })))
      if (schema['additionalProperties'] === false) pick.push(fc.constant({ ...(isRecord(valid) ? valid : {}), zzUnknownField: 1 }))
      example ??= 'x'
    }
    example ??= wrong[0]
  }
  if (location === 'path') pick.push(fc.constantFrom('%ZZ', '%ED%A0%80', 'a'.repeat(300), '%00'))
  return { example: example ?? (wire ? '%00' : '\u0000'), arbitrary: fc.oneof(...pick) }
}

/** Query values that may well be valid but are unusual; they must never cause a 5xx. */
const oddQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%ZZ', '%', '%E0%A4%A', '\u202Eevil', '\uFEFF', '\uFFFF', 'e\u0301', '😀', "'; --", '%_\\', '\u0001\u001f').map((v) =>
    v.startsWith('%') ? v : encodeURIComponent(v),
  ),
  // encodeURIComponent throws on a lone surrogate, which a query string cannot carry anyway.
  fc.string({ unit: 'binary', maxLength: 40 }).map((v) => {
    try {
      return encodeURIComponent(v)
    } catch {
      return '%00'
    }
  }),
)

// ---- HTTP -------------------------------------------------------------------------------------

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** A raw request: the path is sent byte for byte (fetch would normalise `%ZZ` and friends). */
function send(base: URL, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

// ---- the test ---------------------------------------------------------------------------------

describe.each(TARGETS)('route fuzzing on $name', (target) => {
  let server: Running
  let base: URL
  let adminToken: string
  let tenantToken: string
  let known: Record<string, unknown>
  let operations: Operation[]

  beforeAll(async () => {
    server = await startOn(target, { RATE_LIMIT_ENABLED: 'false' })
    base = new URL(server.url)
    const http = api(server.url)
    adminToken = await http.token(ADMIN_ID, ADMIN_SECRET)
    const tenant = await provisionTenant(server.url, adminToken, 'fuzz-tenant', ['agents:read', 'agents:write', 'audit:read'])
    tenantToken = await http.token(tenant.clientId, tenant.clientSecret)
    // A target agent in the administrator's own organization, so that agent routes find it.
    const agent = await http.call('POST', '/api/v1/agents', adminToken, {
      name: 'fuzz-target', agentType: 'custom', version: '1.0.0', capabilities: [], owner: 'fuzz', deploymentEnv: 'staging', scopes: ['agents:read'],
    })
    const agentId = String(agent.body?.['agentId'])
    const credential = await http.call('POST', `/api/v1/agents/${agentId}/credentials`, adminToken, {})
    const key = await http.call('POST', `/api/v1/agents/${agentId}/keys`, adminToken, {})
    const events = await http.call('GET', '/api/v1/audit?limit=1', adminToken)
    const firstEvent = (events.body?.['items'] as Array<{ eventId: string }> | undefined)?.[0]
    known = {
      organizationId: tenant.organizationId,
      agentId,
      credentialId: credential.body?.['credentialId'],
      kid: key.body?.['kid'],
      eventId: firstEvent?.eventId,
      delegateeAgentId: agentId,
      // OAuth form fields: a valid client_credentials request of the administrator.
      grant_type: 'client_credentials',
      client_id: ADMIN_ID,
      client_secret: ADMIN_SECRET,
      token: adminToken,
    }
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Schema
    operations = operationsOf(doc)
  })
  afterAll(async () => server.close())

  /** Everything a request could change: both audit heads (every change is audited), agents, organizations. */
  async function snapshot(): Promise<string> {
    const get = async (path: string, token: string) => (await send(base, 'GET', path, { authorization: `Bearer ${token}` })).text
    return JSON.stringify(
      await Promise.all([
        get('/api/v1/audit?limit=1', adminToken),
        get('/api/v1/audit?limit=1', tenantToken),
        get('/api/v1/agents?limit=100', adminToken),
        get('/api/v1/organizations?limit=100', adminToken),
      ]),
    )
  }

  /** Builds the request of `t.op` with `value` (wire text or JSON value) in `t`'s place. */
  function build(t: Target, value: unknown) {
    let path = t.op.path
    for (const p of t.op.params.filter((x) => x.in === 'path')) {
      const v = p.name === t.name && t.location === 'path' ? String(value) : encodeURIComponent(String(validSample(p.schema, known, p.name)))
      path = path.replace(`{${p.name}}`, v)
    }
    const query = t.op.params
      .filter((p) => p.in === 'query' && (p.required || (p.name === t.name && t.location === 'query')))
      .map((p) => `${p.name}=${p.name === t.name && t.location === 'query' ? String(value) : encodeURIComponent(String(validSample(p.schema, known, p.name)))}`)
    const headers: Record<string, string> = { authorization: `Bearer ${adminToken}` }
    let body: string | undefined
    if (t.op.body?.location === 'json') {
      const fields = validSample(t.op.body.schema, known) as Schema
      if (t.location === 'json') fields[t.name] = value
      headers['content-type'] = 'application/json'
      body = JSON.stringify(fields)
    } else if (t.op.body?.location === 'form') {
      delete headers['authorization']
      const names = ['grant_type', 'client_id', 'client_secret', 'token'].filter((n) => isRecord(t.op.body?.schema['properties']) && n in t.op.body.schema['properties'])
      const fields = names.filter((n) => n !== t.name).map((n) => `${n}=${encodeURIComponent(String(known[n]))}`)
      if (t.location === 'form') fields.push(`${t.name}=${String(value)}`)
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = fields.join('&')
    }
    return { path: query.length === 0 ? path : `${path}?${query.join('&')}`, headers, body }
  }

  async function expectWellFormedReply(t: Target, reply: Reply, mustRefuse: boolean, value: unknown) {
    const context = `${t.op.method} ${t.op.path} ${t.location}:${t.name} = ${JSON.stringify(value)?.slice(0, 80)} → ${reply.status} ${reply.text.slice(0, 200)}`
    expect(reply.status, context).toBeGreaterThanOrEqual(200)
    expect(reply.status, context).toBeLessThan(500)
    expect(String(reply.headers['x-request-id']), context).toMatch(REQUEST_ID)
    if (mustRefuse) expect(reply.status, context).toBeGreaterThanOrEqual(400)
    if (reply.status < 400) return
    const type = String(reply.headers['content-type'])
    const body = JSON.parse(reply.text) as Schema
    if (t.op.oauth) {
      expect(type, context).toMatch(/^application\/json/)
      expect(body['error'], context).toEqual(expect.any(String))
    } else {
      expect(type, context).toMatch(/^application\/problem\+json/)
      expect(body, context).toMatchObject({ status: reply.status, code: expect.any(String), requestId: reply.headers['x-request-id'] })
    }
  }

  it('every operation and parameter of the OpenAPI document: refused values answer 4xx, never 5xx, and change nothing', async () => {
    const targets = operations.flatMap(targetsOf)
    let cases = 0
    expect(operations.length).toBeGreaterThan(40)
    expect(targets.length).toBeGreaterThan(80)
    for (const op of operations) {
      const opTargets = targets.filter((t) => t.op === op)
      if (opTargets.length === 0) continue
      const before = await snapshot()
      for (const t of opTargets) {
        const { example, arbitrary } = refused(t.schema, t.location)
        await fc.assert(
          fc.asyncProperty(arbitrary, async (value) => {
            const { path, headers, body } = build(t, value)
            cases++
            await expectWellFormedReply(t, await send(base, op.method, path, headers, body), true, value)
          }),
          { seed: SEED, numRuns: RUNS_PER_PARAMETER, examples: [[example]], endOnFailure: true },
        )
      }
      expect(await snapshot(), `${op.method} ${op.path} changed state`).toBe(before)
    }
    // Every parameter got its fixed example and its random runs.
    expect(cases).toBe(targets.length * RUNS_PER_PARAMETER)
  }, 180_000)

  it('odd query values on safe operations never answer 5xx', async () => {
    const before = await snapshot()
    const targets = operations.filter((op) => op.method === 'GET').flatMap(targetsOf).filter((t) => t.location === 'query')
    expect(targets.length).toBeGreaterThan(10)
    for (const t of targets) {
      await fc.assert(
        fc.asyncProperty(oddQueryValue, async (value) => {
          const { path, headers, body } = build(t, value)
          await expectWellFormedReply(t, await send(base, t.op.method, path, headers, body), false, value)
        }),
        { seed: SEED, numRuns: 1, endOnFailure: true },
      )
    }
    expect(await snapshot()).toBe(before)
  }, 120_000)
})
