import { defineErrorCodes, errorFactory } from '@sentryagent/core'

/** Error codes of the webhooks plugin (per IdP, typed: a misspelt code does not compile). */
export const WEBHOOK_ERRORS = defineErrorCodes({
  WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook subscription not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, title: 'Webhook delivery not found' },
  WEBHOOK_URL_NOT_ALLOWED: { status: 400, title: 'Webhook URL not allowed' },
  WEBHOOK_LIMIT_REACHED: { status: 409, title: 'Too many webhook subscriptions' },
})

export const webhookError = errorFactory(WEBHOOK_ERRORS)
