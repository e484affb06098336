/**
 * Runs the extensions' `beforeRequest` policy hooks (`idp.beforeRequest`) for every authenticated
 * REST request — core's routes and plugins' alike — after authentication and the per-client rate
 * limit, before the body is read. A refusal is audited by core and rendered by the error handler.
 *
 * @module
 */
import type { Idp } from '@sentryagent/core'
import type { preParsingAsyncHookHandler } from 'fastify'

/**
 * Creates the hook.
 *
 * @example
 * fastify.addHook('preParsing', createBeforeRequestHook(idp))
 */
export function createBeforeRequestHook(idp: Idp): preParsingAsyncHookHandler {
  return async (req, _reply, payload) => {
    const config = req.routeOptions.config
    if (!req.is404 && config.public !== true && config.oauth !== true && req.ctx !== null) {
      await idp.beforeRequest(req.ctx, { method: req.method, route: req.routeOptions.url ?? req.url.split('?', 1)[0] ?? '/' })
    }
    return payload
  }
}
