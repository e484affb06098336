/**
 * The console's error codes (per IdP, through core's typed registry).
 *
 * @module
 */
import { defineErrorCodes, errorFactory } from '@sentryagent/core'

export const CONSOLE_ERRORS = defineErrorCodes({
  CONSOLE_CSRF: { status: 403, title: 'Missing or wrong CSRF token' },
  CONSOLE_INVITATION_INVALID: { status: 400, title: 'The invitation link is invalid, used or expired' },
  CONSOLE_WEBAUTHN_FAILED: { status: 400, title: 'The passkey ceremony failed' },
  CONSOLE_LAST_OWNER: { status: 409, title: 'An organization keeps at least one active owner' },
  CONSOLE_OPERATOR_EXISTS: { status: 409, title: 'An operator with this email exists' },
  CONSOLE_LAST_PASSKEY: { status: 409, title: 'An operator keeps at least one passkey' },
  CONSOLE_NOT_BUILT: { status: 503, title: 'The console is not built' },
})

export const consoleError = errorFactory(CONSOLE_ERRORS)
