/**
 * The federation plugin's error codes (per IdP, through `defineErrorCodes`).
 *
 * @module
 */
import { defineErrorCodes, errorFactory } from '@sentryagent/core'

export const FEDERATION_ERRORS = defineErrorCodes({
  FEDERATION_POLICY_NOT_FOUND: { status: 404, title: 'Trust policy not found' },
  FEDERATION_PARTNER_NOT_FOUND: { status: 404, title: 'Partner not found' },
  FEDERATION_PARTNER_EXISTS: { status: 409, title: 'A partner with this issuer already exists' },
  FEDERATION_ISSUER_REFUSED: { status: 400, title: 'Issuer refused' },
  FEDERATION_JWKS_UNAVAILABLE: { status: 422, title: 'The JWKS could not be fetched or holds no usable key' },
  FEDERATION_POLICY_TOO_BROAD: { status: 400, title: 'The trust policy conditions are too broad' },
})

export const federationError = errorFactory(FEDERATION_ERRORS)
