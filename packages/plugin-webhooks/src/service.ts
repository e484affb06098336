/**
 * The webhooks plugin's operations (subscriptions, deliveries, pings), its outbox consumer (audit
 * events → deliveries) and its delivery worker (claim, sign, send, record, back off).
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import {
  IdpError,
  silentLogger,
  type AuditEventOf,
  type ExtensionApi,
  type Logger,
  type PageQuery,
  type RequestContext,
  type StorageTx,
} from '@sentryagent/core'
import { checkAddress, createSafeFetch, SafeFetchError, type Resolver, type SafeFetch } from '@sentryagent/safe-fetch'
import { isIP } from 'node:net'
import { webhookError } from './errors.js'
import type { WebhookMetrics } from './metrics.js'
import { CORE_EVENTS, type AttemptResult, type Delivery, type Subscription } from './model.js'
import { generateSecret, signatureHeaders } from './signing.js'
import type { Page } from './storage.js'

/** Options of the webhooks plugin. */
export interface WebhooksOptions {
  /**
   * Development and tests only (`WEBHOOKS_ALLOW_PRIVATE_URLS=true`): allows `http:` URLs and
   * loopback, private and link-local addresses. Never cloud metadata. Warns at start.
   */
  allowPrivateUrls?: boolean
  /** Host name resolution of the outbound client (tests inject one). @default dns.lookup */
  resolve?: Resolver
  /** How often the delivery job runs. @default 1000 */
  deliveryIntervalMs?: number
  /** Deliveries claimed per run. @default 50 */
  batchSize?: number
  /** Deliveries sent at once by one process. @default 8 */
  concurrency?: number
  /** A 2xx within this time is a success. @default 10000 */
  timeoutMs?: number
  /** Delays before the retries: after that many failures, `dead_letter`. @default 10 s, 1 min, 10 min, 1 h, 6 h */
  retryScheduleMs?: readonly number[]
  /** A subscription failing (no success) for this long is disabled. @default 24 h */
  disableAfterMs?: number
  /** How long the previous secret still signs after a rotation. @default 24 h */
  rotationOverlapMs?: number
  /** Most subscriptions per organization. @default 25 */
  maxSubscriptionsPerOrganization?: number
  /** Random source of the backoff jitter (±20 %), in [0, 1). @default Math.random */
  random?: () => number
}

export const DEFAULT_RETRY_SCHEDULE_MS = [10_000, 60_000, 600_000, 3_600_000, 21_600_000] as const
const DAY_MS = 86_400_000
const MAX_RESPONSE_BYTES = 64 * 1024

/** Own audit action → the event subscribers receive. */
export const OWN_EVENT_OF = {
  'webhooks.subscription_created': 'webhook.created',
  'webhooks.subscription_updated': 'webhook.updated',
  'webhooks.subscription_deleted': 'webhook.deleted',
  'webhooks.subscription_disabled': 'webhook.disabled',
  'webhooks.secret_rotated': 'webhook.secret_rotated',
} as const

export const AUDIT_ACTIONS = [...Object.keys(OWN_EVENT_OF), 'webhooks.ping_sent', 'webhooks.delivery_retried'] as const

declare module '@sentryagent/core' {
  interface AuditDetails {
    'webhooks.subscription_created': { subscriptionId: string; url: string; events: string[] }
    'webhooks.subscription_updated': { subscriptionId: string; changes: string[]; active: boolean }
    'webhooks.subscription_deleted': { subscriptionId: string }
    'webhooks.subscription_disabled': { subscriptionId: string; reason: string }
    'webhooks.secret_rotated': { subscriptionId: string; version: number; previousValidUntil: string }
    'webhooks.ping_sent': { subscriptionId: string; deliveryId: string }
    'webhooks.delivery_retried': { subscriptionId: string; deliveryId: string }
  }
}

/** What a subscription looks like over the API (never its secret). */
export interface SubscriptionView {
  subscriptionId: string
  url: string
  description: string | null
  events: string[]
  active: boolean
  disabledReason: string | null
  failingSince: string | null
  createdAt: string
  updatedAt: string
}

export interface DeliveryView {
  deliveryId: string
  subscriptionId: string
  event: string
  eventId: string | null
  status: string
  attempts: number
  nextAttemptAt: string | null
  lastAttemptAt: string | null
  responseCode: number | null
  durationMs: number | null
  error: string | null
  createdAt: string
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

export function subscriptionView(s: Subscription): SubscriptionView {
  return {
    subscriptionId: s.subscriptionId,
    url: s.url,
    description: s.description,
    events: [...s.events],
    active: s.active,
    disabledReason: s.disabledReason,
    failingSince: iso(s.failingSince),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  }
}

export function deliveryView(d: Delivery): DeliveryView {
  return {
    deliveryId: d.deliveryId,
    subscriptionId: d.subscriptionId,
    event: d.event,
    eventId: d.eventId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastAttemptAt: iso(d.lastAttemptAt),
    responseCode: d.lastResponseCode,
    durationMs: d.lastDurationMs,
    error: d.lastError,
    createdAt: d.createdAt.toISOString(),
  }
}

export interface CreateInput {
  url: string
  events: string[]
  description?: string | undefined
  active?: boolean | undefined
}

export interface UpdateInput {
  url?: string | undefined
  events?: string[] | undefined
  description?: string | null | undefined
  active?: boolean | undefined
}

const secretName = (subscriptionId: string, version: number) => `webhooks/${subscriptionId}/v${version}`

/** The body subscribers receive: `{ id, event, timestamp, organizationId, data }`. */
export function payloadOf(id: string, event: string, timestamp: Date, organizationId: string, data: Record<string, unknown>): string {
  return JSON.stringify({ id, event, timestamp: timestamp.toISOString(), organizationId, data })
}

/** The webhooks service, bound to the extension api once `init` ran. */
export class WebhooksService {
  readonly http: SafeFetch
  private readonly schedule: readonly number[]
  private readonly random: () => number

  constructor(
    private readonly api: ExtensionApi,
    private readonly options: WebhooksOptions,
    private readonly metrics: WebhookMetrics,
    private readonly log: Logger = silentLogger,
  ) {
    this.http = createSafeFetch({
      allowPrivate: options.allowPrivateUrls === true,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    })
    this.schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS
    this.random = options.random ?? Math.random
  }

  private get repo() {
    return this.api.storage.ext('webhooks')
  }

  /** Refuses URLs the outbound client would refuse anyway, at once and with a clear error. */
  private checkUrl(raw: string): string {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw webhookError('WEBHOOK_URL_NOT_ALLOWED', 'url must be an absolute URL')
    }
    const allowPrivate = this.options.allowPrivateUrls === true
    if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
      throw webhookError('WEBHOOK_URL_NOT_ALLOWED', 'url must use https')
    }
    if (url.username !== '' || url.password !== '') throw webhookError('WEBHOOK_URL_NOT_ALLOWED', 'url must not contain credentials')
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    if (isIP(host) !== 0 && !checkAddress(host, { allowPrivate }).allowed) {
      throw webhookError('WEBHOOK_URL_NOT_ALLOWED', 'url must not point to a private, loopback, link-local or metadata address')
    }
    if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) {
      throw webhookError('WEBHOOK_URL_NOT_ALLOWED', 'url must not point to a private, loopback, link-local or metadata address')
    }
    return url.toString()
  }

  private actorOf(ctx: RequestContext) {
    const principal = ctx.auth.principal
    return { actor: ctx.auth.agentId, agentId: principal === undefined || principal.kind === 'agent' ? ctx.auth.agentId : null, ip: ctx.ip }
  }

  private async own(ctx: RequestContext, subscriptionId: string): Promise<Subscription> {
    const s = await this.repo.findSubscription(ctx.auth.organizationId, subscriptionId)
    if (s === null) throw webhookError('WEBHOOK_NOT_FOUND', 'No such webhook subscription')
    return s
  }

  async create(ctx: RequestContext, input: CreateInput): Promise<SubscriptionView & { secret: string }> {
    const url = this.checkUrl(input.url)
    const organizationId = ctx.auth.organizationId
    const max = this.options.maxSubscriptionsPerOrganization ?? 25
    if ((await this.repo.countSubscriptions(organizationId)) >= max) {
      throw webhookError('WEBHOOK_LIMIT_REACHED', `At most ${max} webhook subscriptions per organization`)
    }
    const now = this.api.clock()
    const subscription: Subscription = {
      subscriptionId: randomUUID(),
      organizationId,
      url,
      description: input.description ?? null,
      events: [...new Set(input.events)],
      active: input.active ?? true,
      disabledReason: null,
      failingSince: null,
      secretVersion: 1,
      previousSecretVersion: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    }
    const { secret, key } = generateSecret()
    await this.api.secrets.put(secretName(subscription.subscriptionId, 1), key)
    try {
      await this.api.transaction(async (tx) => {
        await tx.ext('webhooks').insertSubscription(subscription)
        await this.api.audit.record(tx, {
          organizationId,
          action: 'webhooks.subscription_created',
          ...this.actorOf(ctx),
          details: { subscriptionId: subscription.subscriptionId, url, events: subscription.events },
        })
      })
    } catch (err) {
      await this.api.secrets.delete(secretName(subscription.subscriptionId, 1)).catch(() => undefined)
      throw err
    }
    return { ...subscriptionView(subscription), secret }
  }

  async list(ctx: RequestContext, page: PageQuery): Promise<Page<SubscriptionView>> {
    const result = await this.repo.listSubscriptions(ctx.auth.organizationId, page)
    return { items: result.items.map(subscriptionView), nextCursor: result.nextCursor }
  }

  async get(ctx: RequestContext, subscriptionId: string): Promise<SubscriptionView> {
    return subscriptionView(await this.own(ctx, subscriptionId))
  }

  async update(ctx: RequestContext, subscriptionId: string, input: UpdateInput): Promise<SubscriptionView> {
    const url = input.url === undefined ? undefined : this.checkUrl(input.url)
    return this.api.transaction(async (tx) => {
      const repo = tx.ext('webhooks')
      const current = await repo.findSubscription(ctx.auth.organizationId, subscriptionId)
      if (current === null) throw webhookError('WEBHOOK_NOT_FOUND', 'No such webhook subscription')
      const changes: string[] = []
      const next: Subscription = { ...current, updatedAt: this.api.clock() }
      if (url !== undefined && url !== current.url) {
        next.url = url
        changes.push('url')
      }
      if (input.events !== undefined) {
        next.events = [...new Set(input.events)]
        changes.push('events')
      }
      if (input.description !== undefined) {
        next.description = input.description
        changes.push('description')
      }
      if (input.active !== undefined && input.active !== current.active) {
        next.active = input.active
        changes.push('active')
        if (input.active) {
          next.disabledReason = null
          next.failingSince = null
        }
      }
      await repo.updateSubscription(next)
      await this.api.audit.record(tx, {
        organizationId: ctx.auth.organizationId,
        action: 'webhooks.subscription_updated',
        ...this.actorOf(ctx),
        details: { subscriptionId, changes, active: next.active },
      })
      return subscriptionView(next)
    })
  }

  async remove(ctx: RequestContext, subscriptionId: string): Promise<void> {
    const removed = await this.api.transaction(async (tx) => {
      const repo = tx.ext('webhooks')
      const current = await repo.findSubscription(ctx.auth.organizationId, subscriptionId)
      if (current === null) throw webhookError('WEBHOOK_NOT_FOUND', 'No such webhook subscription')
      await repo.deleteSubscription(ctx.auth.organizationId, subscriptionId)
      await this.api.audit.record(tx, {
        organizationId: ctx.auth.organizationId,
        action: 'webhooks.subscription_deleted',
        ...this.actorOf(ctx),
        details: { subscriptionId },
      })
      return current
    })
    for (const version of [removed.secretVersion, removed.previousSecretVersion]) {
      if (version !== null) await this.api.secrets.delete(secretName(subscriptionId, version)).catch(() => undefined)
    }
  }

  /** A new signing secret; the previous one keeps signing (a second signature) for the overlap. */
  async rotateSecret(ctx: RequestContext, subscriptionId: string): Promise<{ secret: string; previousValidUntil: string }> {
    const current = await this.own(ctx, subscriptionId)
    const version = current.secretVersion + 1
    const { secret, key } = generateSecret()
    await this.api.secrets.put(secretName(subscriptionId, version), key)
    const now = this.api.clock()
    const previousValidUntil = new Date(now.getTime() + (this.options.rotationOverlapMs ?? DAY_MS))
    const dropped = current.previousSecretVersion
    await this.api.transaction(async (tx) => {
      const repo = tx.ext('webhooks')
      const latest = await repo.findSubscription(ctx.auth.organizationId, subscriptionId)
      if (latest === null || latest.secretVersion !== current.secretVersion) {
        throw new IdpError('CONFLICT', 'The secret was rotated concurrently; retry')
      }
      await repo.updateSubscription({
        ...latest,
        secretVersion: version,
        previousSecretVersion: latest.secretVersion,
        previousSecretExpiresAt: previousValidUntil,
        updatedAt: now,
      })
      await this.api.audit.record(tx, {
        organizationId: ctx.auth.organizationId,
        action: 'webhooks.secret_rotated',
        ...this.actorOf(ctx),
        details: { subscriptionId, version, previousValidUntil: previousValidUntil.toISOString() },
      })
    })
    if (dropped !== null) await this.api.secrets.delete(secretName(subscriptionId, dropped)).catch(() => undefined)
    return { secret, previousValidUntil: previousValidUntil.toISOString() }
  }

  async deliveries(ctx: RequestContext, subscriptionId: string, page: PageQuery): Promise<Page<DeliveryView>> {
    await this.own(ctx, subscriptionId)
    const result = await this.repo.listDeliveries(ctx.auth.organizationId, subscriptionId, page)
    return { items: result.items.map(deliveryView), nextCursor: result.nextCursor }
  }

  /** Sends a delivery again (same `webhook-id`), whatever its status: one more attempt, due now. */
  async redeliver(ctx: RequestContext, subscriptionId: string, deliveryId: string): Promise<DeliveryView> {
    const organizationId = ctx.auth.organizationId
    return this.api.transaction(async (tx) => {
      const repo = tx.ext('webhooks')
      if ((await repo.findSubscription(organizationId, subscriptionId)) === null) throw webhookError('WEBHOOK_NOT_FOUND', 'No such webhook subscription')
      const delivery = await repo.findDelivery(organizationId, subscriptionId, deliveryId)
      if (delivery === null) throw webhookError('WEBHOOK_DELIVERY_NOT_FOUND', 'No such delivery')
      const now = this.api.clock()
      await repo.requeue(organizationId, deliveryId, now)
      await this.api.audit.record(tx, {
        organizationId,
        action: 'webhooks.delivery_retried',
        ...this.actorOf(ctx),
        details: { subscriptionId, deliveryId },
      })
      return deliveryView({ ...delivery, status: 'pending', nextAttemptAt: now, lockedUntil: null })
    })
  }

  /** Queues a `webhook.ping` delivery to this subscription (sent once it is active). */
  async ping(ctx: RequestContext, subscriptionId: string): Promise<DeliveryView> {
    const organizationId = ctx.auth.organizationId
    return this.api.transaction(async (tx) => {
      const repo = tx.ext('webhooks')
      const subscription = await repo.findSubscription(organizationId, subscriptionId)
      if (subscription === null) throw webhookError('WEBHOOK_NOT_FOUND', 'No such webhook subscription')
      const now = this.api.clock()
      const deliveryId = randomUUID()
      const delivery = this.newDelivery(subscription, deliveryId, null, 'webhook.ping', payloadOf(deliveryId, 'webhook.ping', now, organizationId, { subscriptionId }), now)
      await repo.insertDelivery(delivery)
      await this.api.audit.record(tx, {
        organizationId,
        action: 'webhooks.ping_sent',
        ...this.actorOf(ctx),
        details: { subscriptionId, deliveryId },
      })
      return deliveryView(delivery)
    })
  }

  private newDelivery(s: Subscription, deliveryId: string, eventId: string | null, event: string, payload: string, now: Date): Delivery {
    return {
      deliveryId,
      subscriptionId: s.subscriptionId,
      organizationId: s.organizationId,
      eventId,
      event,
      payload,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      lastAttemptAt: null,
      lastResponseCode: null,
      lastDurationMs: null,
      lastError: null,
      createdAt: now,
    }
  }

  // ---- outbox consumer -----------------------------------------------------------------------------

  /** Actions the consumer reads: the SPEC §11 catalogue and the plugin's own subscription events. */
  static readonly consumedActions = [...CORE_EVENTS, ...(Object.keys(OWN_EVENT_OF) as (keyof typeof OWN_EVENT_OF)[])]

  /** Turns a batch of one organization's audit events into deliveries, in the consumer's transaction. */
  async enqueue(events: readonly AuditEventOf[], tx: StorageTx): Promise<number> {
    const repo = tx.ext('webhooks')
    let queued = 0
    const now = this.api.clock()
    // A batch is one organization's events (the consumer's contract): its active subscriptions are
    // read once per batch, in the consumer's transaction, not once per event.
    const active = new Map<string, Subscription[]>()
    for (const e of events) {
      const event = (OWN_EVENT_OF as Record<string, string>)[e.action] ?? e.action
      let subscriptions = active.get(e.organizationId)
      if (subscriptions === undefined) {
        subscriptions = await repo.activeSubscriptions(e.organizationId)
        active.set(e.organizationId, subscriptions)
      }
      for (const s of subscriptions) {
        if (!s.events.includes(event)) continue
        const deliveryId = randomUUID()
        const data = { ...(e.details as Record<string, unknown>), actor: e.actor, agentId: e.agentId }
        await repo.insertDelivery(this.newDelivery(s, deliveryId, e.eventId, event, payloadOf(e.eventId, event, e.timestamp, e.organizationId, data), now))
        queued++
      }
    }
    return queued
  }

  // ---- delivery worker -------------------------------------------------------------------------------

  /** Claims the due deliveries and sends them; resolves with how many were attempted. */
  async deliverDue(signal?: AbortSignal): Promise<number> {
    const now = this.api.clock()
    const lease = (this.options.timeoutMs ?? 10_000) + 20_000
    const claimed = await this.repo.claimDue(now, new Date(now.getTime() + lease), this.options.batchSize ?? 50)
    const queue = [...claimed]
    const workers = Array.from({ length: Math.min(this.options.concurrency ?? 8, queue.length) }, async () => {
      for (let d = queue.shift(); d !== undefined && signal?.aborted !== true; d = queue.shift()) {
        await this.attempt(d).catch((err: unknown) => this.log.error({ err, deliveryId: d?.deliveryId }, 'webhook delivery failed to record'))
      }
    })
    await Promise.all(workers)
    return claimed.length
  }

  private async keysOf(s: Subscription, now: Date): Promise<Uint8Array[]> {
    const keys: Uint8Array[] = []
    const current = await this.api.secrets.get(secretName(s.subscriptionId, s.secretVersion))
    if (current === null) return keys
    keys.push(current)
    if (s.previousSecretVersion !== null && s.previousSecretExpiresAt !== null && s.previousSecretExpiresAt > now) {
      const previous = await this.api.secrets.get(secretName(s.subscriptionId, s.previousSecretVersion))
      if (previous !== null) keys.push(previous)
    }
    return keys
  }

  private nextDelay(failures: number): number | null {
    const base = this.schedule[failures - 1]
    if (base === undefined) return null
    return Math.round(base * (0.8 + 0.4 * this.random()))
  }

  private async attempt(d: Delivery): Promise<void> {
    const subscription = await this.repo.findSubscription(d.organizationId, d.subscriptionId)
    if (subscription === null) return
    const attemptedAt = this.api.clock()
    const keys = await this.keysOf(subscription, attemptedAt)
    let responseCode: number | null = null
    let error: string | null = null
    const started = performance.now()
    if (keys.length === 0) {
      error = 'signing secret unavailable'
    } else {
      const headers = {
        ...signatureHeaders(d.deliveryId, Math.floor(attemptedAt.getTime() / 1000), d.payload, keys),
        'content-type': 'application/json',
        'user-agent': 'SentryAgent-Webhooks/1',
      }
      try {
        const response = await this.http.fetch(subscription.url, { method: 'POST', headers, body: d.payload })
        responseCode = response.status
        if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`
      } catch (err) {
        if (err instanceof SafeFetchError) {
          error = err.code
          responseCode = err.status ?? null
        } else {
          error = 'network_error'
        }
      }
    }
    const durationMs = Math.round(performance.now() - started)
    const success = error === null
    const attempts = d.attempts + 1
    const delay = success ? null : this.nextDelay(attempts)
    const result: AttemptResult = {
      status: success ? 'succeeded' : delay === null ? 'dead_letter' : 'pending',
      attempts,
      nextAttemptAt: delay === null ? null : new Date(attemptedAt.getTime() + delay),
      attemptedAt,
      responseCode,
      durationMs,
      error,
    }
    this.metrics.observe(result)
    await this.api.transaction(async (tx) => {
      const repo = tx.ext('webhooks')
      await repo.recordAttempt(d.deliveryId, result)
      const latest = await repo.findSubscription(d.organizationId, d.subscriptionId)
      if (latest === null) return
      if (success) {
        if (latest.failingSince !== null) await repo.updateSubscription({ ...latest, failingSince: null })
        return
      }
      const failingSince = latest.failingSince ?? attemptedAt
      const disableAfter = this.options.disableAfterMs ?? DAY_MS
      if (latest.active && attemptedAt.getTime() - failingSince.getTime() >= disableAfter) {
        const reason = `Disabled after failing since ${failingSince.toISOString()} (last: ${error ?? 'error'})`
        await repo.updateSubscription({ ...latest, failingSince, active: false, disabledReason: reason, updatedAt: attemptedAt })
        await this.api.audit.record(tx, {
          organizationId: d.organizationId,
          action: 'webhooks.subscription_disabled',
          actor: 'system:webhooks',
          agentId: null,
          details: { subscriptionId: d.subscriptionId, reason },
        })
        this.log.warn({ event: 'webhook_disabled', subscriptionId: d.subscriptionId }, reason)
      } else if (latest.failingSince === null) {
        await repo.updateSubscription({ ...latest, failingSince })
      }
    })
  }

  /** Pending deliveries across organizations (the queue-depth gauge). */
  queueDepth(): Promise<number> {
    return this.repo.queueDepth()
  }
}
