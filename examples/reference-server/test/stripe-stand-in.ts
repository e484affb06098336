/**
 * A local stand-in for the Stripe API, for exactly the calls the billing plugin makes, written from
 * Stripe's API reference (https://docs.stripe.com/api): form-encoded bodies with bracketed keys,
 * Bearer secret-key authentication, `Idempotency-Key` replay (same key and body → the first response
 * again with `Idempotent-Replayed: true`; same key, other body → 400 `idempotency_error`), and
 * Stripe's error JSON (`{ error: { type, code, message, param } }`). It records every request so
 * that tests can assert what the SDK sent. Webhook events are signed with the SDK's own
 * `generateTestHeaderString`.
 */
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import Stripe from 'stripe'

export type FormValue = string | FormObject | FormValue[]
export interface FormObject {
  [key: string]: FormValue
}

/** Decodes `a[b][0][c]=v` form bodies into nested objects (arrays for numeric indexes). */
export function decodeForm(body: string): FormObject {
  const root: FormObject = {}
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.replace(/\]/g, '').split('[')
    let node: FormObject | FormValue[] = root
    parts.forEach((part, i) => {
      const last = i === parts.length - 1
      const container = node as Record<string, FormValue>
      if (last) {
        container[part] = value
        return
      }
      const nextIsIndex = /^\d+$/.test(parts[i + 1] ?? '')
      container[part] ??= nextIsIndex ? [] : {}
      node = container[part] as FormObject | FormValue[]
    })
  }
  return root
}

export interface RecordedRequest {
  method: string
  path: string
  body: FormObject
  idempotencyKey: string | undefined
  stripeVersion: string | undefined
}

export interface StandInSubscription {
  id: string
  customer: string
  status: string
  price: string
  metadata?: Record<string, string>
}

const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`

export interface StripeStandIn {
  readonly url: string
  readonly secretKey: string
  readonly webhookSecret: string
  readonly requests: RecordedRequest[]
  setSubscription(sub: StandInSubscription): void
  deleteSubscription(id: string): void
  /** A signed webhook delivery of `type` about `object`, timestamped `at` (seconds; default now). */
  event(type: string, object: Record<string, unknown>, options?: { at?: number; secret?: string; id?: string }): { id: string; payload: string; signature: string }
  close(): Promise<void>
}

function stripeError(reply: FastifyReply, status: number, error: Record<string, string>) {
  return reply.code(status).send({ error })
}

export async function startStripeStandIn(options: { apiVersion: string }): Promise<StripeStandIn> {
  const secretKey = `sk_test_${randomBytes(12).toString('hex')}`
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`
  const requests: RecordedRequest[] = []
  const customers = new Map<string, Record<string, unknown>>()
  const subscriptions = new Map<string, StandInSubscription>()
  const idempotency = new Map<string, { body: string; status: number; response: unknown }>()
  const app: FastifyInstance = Fastify({ logger: false })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  app.addHook('preHandler', async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return stripeError(reply, 401, { type: 'invalid_request_error', message: 'Invalid API Key provided' })
    }
    const raw = typeof req.body === 'string' ? req.body : ''
    const key = req.headers['idempotency-key']
    const idempotencyKey = typeof key === 'string' ? key : undefined
    const version = req.headers['stripe-version']
    requests.push({ method: req.method, path: req.url.split('?')[0] ?? '', body: decodeForm(raw), idempotencyKey, stripeVersion: typeof version === 'string' ? version : undefined })
    if (req.method === 'POST' && idempotencyKey !== undefined) {
      const seen = idempotency.get(`${req.url} ${idempotencyKey}`)
      if (seen !== undefined) {
        if (seen.body !== raw) {
          return stripeError(reply, 400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' })
        }
        return reply.code(seen.status).header('idempotent-replayed', 'true').send(seen.response)
      }
    }
    return undefined
  })
  app.addHook('onSend', async (req, reply, payload) => {
    const key = req.headers['idempotency-key']
    if (req.method === 'POST' && typeof key === 'string' && reply.getHeader('idempotent-replayed') === undefined && typeof payload === 'string') {
      idempotency.set(`${req.url} ${key}`, { body: typeof req.body === 'string' ? req.body : '', status: reply.statusCode, response: JSON.parse(payload) as unknown })
    }
    return payload
  })

  const form = (body: unknown): FormObject => decodeForm(typeof body === 'string' ? body : '')

  app.post('/v1/customers', async (req) => {
    const b = form(req.body)
    const customer = { id: id('cus'), object: 'customer', name: b['name'] ?? null, email: null, metadata: b['metadata'] ?? {}, livemode: false, created: Math.floor(Date.now() / 1000) }
    customers.set(customer.id, customer)
    return customer
  })

  app.post('/v1/checkout/sessions', async (req, reply) => {
    const b = form(req.body)
    if (b['mode'] === undefined) return stripeError(reply, 400, { type: 'invalid_request_error', code: 'parameter_missing', param: 'mode', message: 'Missing required param: mode.' })
    const customer = typeof b['customer'] === 'string' ? b['customer'] : null
    if (customer !== null && !customers.has(customer)) {
      return stripeError(reply, 400, { type: 'invalid_request_error', code: 'resource_missing', param: 'customer', message: `No such customer: '${customer}'` })
    }
    const sid = id('cs_test')
    return {
      id: sid,
      object: 'checkout.session',
      mode: b['mode'],
      customer,
      client_reference_id: b['client_reference_id'] ?? null,
      metadata: b['metadata'] ?? {},
      status: 'open',
      subscription: null,
      success_url: b['success_url'] ?? null,
      cancel_url: b['cancel_url'] ?? null,
      url: `https://checkout.stripe.com/c/pay/${sid}`,
      livemode: false,
    }
  })

  app.post('/v1/billing_portal/sessions', async (req, reply) => {
    const b = form(req.body)
    const customer = typeof b['customer'] === 'string' ? b['customer'] : ''
    if (!customers.has(customer)) return stripeError(reply, 400, { type: 'invalid_request_error', code: 'resource_missing', param: 'customer', message: `No such customer: '${customer}'` })
    const bid = id('bps')
    return { id: bid, object: 'billing_portal.session', customer, return_url: b['return_url'] ?? null, url: `https://billing.stripe.com/p/session/${bid}`, livemode: false }
  })

  app.get<{ Params: { id: string } }>('/v1/subscriptions/:id', async (req, reply) => {
    const sub = subscriptions.get(req.params.id)
    if (sub === undefined) return stripeError(reply, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such subscription: '${req.params.id}'` })
    return {
      id: sub.id,
      object: 'subscription',
      customer: sub.customer,
      status: sub.status,
      metadata: sub.metadata ?? {},
      items: { object: 'list', has_more: false, url: `/v1/subscription_items?subscription=${sub.id}`, data: [{ id: `si_${sub.id}`, object: 'subscription_item', price: { id: sub.price, object: 'price' }, quantity: 1 }] },
      livemode: false,
    }
  })

  app.post('/v1/billing/meter_events', async (req) => {
    const b = form(req.body)
    return { object: 'billing.meter_event', event_name: b['event_name'], identifier: b['identifier'], payload: b['payload'], timestamp: Number(b['timestamp']), created: Math.floor(Date.now() / 1000), livemode: false }
  })

  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    webhookSecret,
    requests,
    setSubscription: (sub) => subscriptions.set(sub.id, sub),
    deleteSubscription: (sid) => subscriptions.delete(sid),
    event(type, object, opts = {}) {
      const eid = opts.id ?? id('evt')
      const at = opts.at ?? Math.floor(Date.now() / 1000)
      const payload = JSON.stringify({
        id: eid,
        object: 'event',
        api_version: options.apiVersion,
        created: at,
        type,
        data: { object },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
      })
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? webhookSecret, timestamp: at })
      return { id: eid, payload, signature }
    },
    close: () => app.close(),
  }
}
