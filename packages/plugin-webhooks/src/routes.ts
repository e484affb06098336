/**
 * The Fastify half: `POST|GET /webhooks`, `GET|PATCH|DELETE /webhooks/:webhookId`,
 * `POST /webhooks/:webhookId/rotate-secret`, `GET /webhooks/:webhookId/deliveries`,
 * `POST /webhooks/:webhookId/deliveries/:deliveryId/redeliver` and `POST /webhooks/:webhookId/ping`,
 * under the binding's prefix. They inherit the binding's policies (validation, bearer auth, scopes,
 * rate limits, error handler, OpenAPI security).
 *
 * @module
 */
import { PageOf, idParams, noContent, problemResponses, requireContext } from '@sentryagent/fastify'
import { Type, type Static } from '@sinclair/typebox'
import type {} from '@fastify/swagger'
import type { FastifyPluginAsync, FastifyReply, preValidationAsyncHookHandler } from 'fastify'
import { WEBHOOK_EVENTS } from './model.js'
import type { WebhooksService } from './service.js'

const tags = ['Webhooks']
const strict = { additionalProperties: false } as const
const DateTime = Type.String({ format: 'date-time' })
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

const EventName = Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e)), { description: 'An event type (SPEC §11 and webhook.*)' })
const Url = Type.String({ minLength: 8, maxLength: 2048, description: 'https URL of the receiver (public addresses only)' })
const Events = Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true })
const Description = Type.String({ maxLength: 500 })

export const SubscriptionView = Type.Object(
  {
    subscriptionId: Type.String(),
    url: Type.String(),
    description: Nullable(Type.String()),
    events: Type.Array(Type.String()),
    active: Type.Boolean(),
    disabledReason: Nullable(Type.String()),
    failingSince: Nullable(DateTime),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  strict,
)

const SubscriptionWithSecret = Type.Object(
  { ...SubscriptionView.properties, secret: Type.String({ description: 'whsec_… signing secret: shown only in this response' }) },
  strict,
)

export const DeliveryView = Type.Object(
  {
    deliveryId: Type.String({ description: 'Also the webhook-id header of every attempt' }),
    subscriptionId: Type.String(),
    event: Type.String(),
    eventId: Nullable(Type.String()),
    status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('dead_letter')]),
    attempts: Type.Integer(),
    nextAttemptAt: Nullable(DateTime),
    lastAttemptAt: Nullable(DateTime),
    responseCode: Type.Union([Type.Integer(), Type.Null()]),
    durationMs: Type.Union([Type.Integer(), Type.Null()]),
    error: Nullable(Type.String()),
    createdAt: DateTime,
  },
  strict,
)

const CreateBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description), active: Type.Optional(Type.Boolean()) },
  strict,
)
const UpdateBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    active: Type.Optional(Type.Boolean({ description: 'false pauses the subscription, true resumes it (and clears disabledReason)' })),
  },
  { ...strict, minProperties: 1 },
)
const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  strict,
)
const RotatedSecret = Type.Object({ secret: Type.String(), previousValidUntil: DateTime }, strict)

const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache')

/** A POST without a body means "no options". */
const emptyBodyAsObject: preValidationAsyncHookHandler = async (req) => {
  if (req.body === undefined || req.body === null) req.body = {}
}
const EmptyBody = Type.Object({}, strict)

type WebhookParams = { webhookId: string }
type DeliveryParams = { webhookId: string; deliveryId: string }

export function webhookRoutes(service: () => WebhooksService): FastifyPluginAsync {
  return async (app) => {
    const read = { scopes: ['webhooks:read'] }
    const write = { scopes: ['webhooks:write'] }

    app.post<{ Body: Static<typeof CreateBody> }>(
      '/webhooks',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create a webhook subscription (the signing secret is shown only in this response)',
          body: CreateBody,
          response: { 201: SubscriptionWithSecret, ...problemResponses },
        },
      },
      async (req, reply) => noStore(reply).code(201).send(await service().create(requireContext(req), req.body)),
    )

    app.get<{ Querystring: Static<typeof PageQuery> }>(
      '/webhooks',
      { config: read, schema: { tags, summary: 'List webhook subscriptions', querystring: PageQuery, response: { 200: PageOf(SubscriptionView), ...problemResponses } } },
      async (req) => service().list(requireContext(req), { limit: req.query.limit ?? 20, cursor: req.query.cursor }),
    )

    app.get<{ Params: WebhookParams }>(
      '/webhooks/:webhookId',
      { config: read, schema: { tags, summary: 'Get a webhook subscription', params: idParams('webhookId'), response: { 200: SubscriptionView, ...problemResponses } } },
      async (req) => service().get(requireContext(req), req.params.webhookId),
    )

    app.patch<{ Params: WebhookParams; Body: Static<typeof UpdateBody> }>(
      '/webhooks/:webhookId',
      {
        config: write,
        schema: { tags, summary: 'Update, pause (active: false) or resume (active: true) a subscription', params: idParams('webhookId'), body: UpdateBody, response: { 200: SubscriptionView, ...problemResponses } },
      },
      async (req) => service().update(requireContext(req), req.params.webhookId, req.body),
    )

    app.delete<{ Params: WebhookParams }>(
      '/webhooks/:webhookId',
      { config: write, schema: { tags, summary: 'Delete a subscription and its delivery history', params: idParams('webhookId'), response: { ...noContent, ...problemResponses } } },
      async (req, reply) => {
        await service().remove(requireContext(req), req.params.webhookId)
        return reply.code(204).send()
      },
    )

    app.post<{ Params: WebhookParams }>(
      '/webhooks/:webhookId/rotate-secret',
      {
        config: write,
        preValidation: emptyBodyAsObject,
        schema: {
          tags,
          summary: 'Rotate the signing secret (the previous one keeps signing during the overlap)',
          params: idParams('webhookId'),
          body: EmptyBody,
          response: { 200: RotatedSecret, ...problemResponses },
        },
      },
      async (req, reply) => noStore(reply).send(await service().rotateSecret(requireContext(req), req.params.webhookId)),
    )

    app.get<{ Params: WebhookParams; Querystring: Static<typeof PageQuery> }>(
      '/webhooks/:webhookId/deliveries',
      {
        config: read,
        schema: { tags, summary: 'Delivery history, newest first', params: idParams('webhookId'), querystring: PageQuery, response: { 200: PageOf(DeliveryView), ...problemResponses } },
      },
      async (req) => service().deliveries(requireContext(req), req.params.webhookId, { limit: req.query.limit ?? 20, cursor: req.query.cursor }),
    )

    app.post<{ Params: DeliveryParams }>(
      '/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
      {
        config: write,
        preValidation: emptyBodyAsObject,
        schema: {
          tags,
          summary: 'Send a delivery again (same webhook-id), dead letters included',
          params: idParams('webhookId', 'deliveryId'),
          body: EmptyBody,
          response: { 202: DeliveryView, ...problemResponses },
        },
      },
      async (req, reply) => reply.code(202).send(await service().redeliver(requireContext(req), req.params.webhookId, req.params.deliveryId)),
    )

    app.post<{ Params: WebhookParams }>(
      '/webhooks/:webhookId/ping',
      {
        config: write,
        preValidation: emptyBodyAsObject,
        schema: { tags, summary: 'Queue a webhook.ping delivery', params: idParams('webhookId'), body: EmptyBody, response: { 202: DeliveryView, ...problemResponses } },
      },
      async (req, reply) => reply.code(202).send(await service().ping(requireContext(req), req.params.webhookId)),
    )
  }
}
