/**
 * Runs the extensions' `beforeRequest` policy hooks (`idp.beforeRequest`) for every authenticated
 * REST request — core's routes and plugins' alike — after authentication and rate limits, before
 * validation and the handler. A refusal is audited by core and rendered by the error handler.
 *
 * @module
 */
import type { Idp } from '@sentryagent/core'
import type { onRequestAsyncHookHandler } from 'fastify'

/**
 * Creates the hook.
 *
 * @example
 * fastify.addHook('onRequest', createBeforeRequestHook(idp))
 */
export function createBeforeRequestHook(idp: Idp): onRequestAsyncHookHandler {
  return async (req) => {
    const config = req.routeOptions.config
    if (req.is404 || config.public === true || config.oauth === true || req.ctx === null) return
    await idp.beforeRequest(req.ctx, { method: req.method, route: req.routeOptions.url ?? req.url.split('?', 1)[0] ?? '/' })
  }
}
