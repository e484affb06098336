/** Events of the SPEC §11 catalogue: audit actions of the core delivered to subscribers. */
export const CORE_EVENTS = [
  'agent.created',
  'agent.updated',
  'agent.suspended',
  'agent.reactivated',
  'agent.decommissioned',
  'credential.generated',
  'credential.rotated',
  'credential.revoked',
  'token.issued',
  'token.revoked',
  'delegation.created',
  'delegation.revoked',
] as const

/** The plugin's own events, from its audit actions (`webhooks.subscription_created` → `webhook.created`). */
export const OWN_EVENTS = ['webhook.created', 'webhook.updated', 'webhook.deleted', 'webhook.disabled', 'webhook.secret_rotated', 'webhook.ping'] as const

/** Every event type a subscription may choose. */
export const WEBHOOK_EVENTS = [...CORE_EVENTS, ...OWN_EVENTS] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead_letter'

export interface Subscription {
  subscriptionId: string
  organizationId: string
  url: string
  description: string | null
  events: string[]
  active: boolean
  /** Why the subscription was disabled automatically (`null` when active or paused by hand). */
  disabledReason: string | null
  /** First failure of the current failing streak; cleared by a success. */
  failingSince: Date | null
  /** Version of the current signing secret (`webhooks/<id>/v<n>` in the SecretStore). */
  secretVersion: number
  /** While set, the previous version also signs (rotation overlap) until `previousSecretExpiresAt`. */
  previousSecretVersion: number | null
  previousSecretExpiresAt: Date | null
  createdAt: Date
  updatedAt: Date
}

export interface Delivery {
  deliveryId: string
  subscriptionId: string
  organizationId: string
  /** Source audit event id (`null` for pings). */
  eventId: string | null
  event: string
  /** The exact JSON body signed and sent. */
  payload: string
  status: DeliveryStatus
  /** Attempts made so far. */
  attempts: number
  nextAttemptAt: Date | null
  /** A claim: no other worker takes the delivery before this instant. */
  lockedUntil: Date | null
  lastAttemptAt: Date | null
  lastResponseCode: number | null
  lastDurationMs: number | null
  lastError: string | null
  createdAt: Date
}

/** What a worker records after one attempt. */
export interface AttemptResult {
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: Date | null
  attemptedAt: Date
  responseCode: number | null
  durationMs: number
  error: string | null
}
