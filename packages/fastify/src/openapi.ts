/**
 * OpenAPI 3.1 generation (`@fastify/swagger`) from the route schemas, `GET /openapi.json`, and the
 * interactive docs at `/docs` (`@fastify/swagger-ui`). Swagger is registered on the plugin's parent
 * instance so that routes added later by other `@sentryagent/*` plugins are documented too.
 *
 * @module
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { DOCS_CSP } from './security-headers.js'

/**
 * Registers the OpenAPI generator on `app` (call before any route is added).
 *
 * @example
 * await registerOpenApi(fastify)
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    // Core's view schemas carry `$id`s (`Agent`, `Organization`…): name the components after them.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SentryAgent AgentIdP',
        description: 'Identity provider for AI agents: organizations, agents, credentials, OAuth 2.0, audit.',
        version: '1',
      },
      tags: [
        { name: 'Organizations' },
        { name: 'Agents' },
        { name: 'Credentials' },
        { name: 'Audit' },
        { name: 'OAuth 2.0' },
        { name: 'Discovery' },
        { name: 'Operations' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          clientSecretBasic: { type: 'http', scheme: 'basic' },
        },
      },
    },
  })
}

/** Options of {@link openApiRoutes}. */
export interface OpenApiRoutesOptions {
  /** Also serve `@fastify/swagger-ui` at `/docs`. */
  docs: boolean
}

/**
 * Registers `GET /openapi.json` and, when asked, `/docs`. Every route here is public.
 *
 * @example
 * await scope.register(openApiRoutes, { docs: true })
 */
export const openApiRoutes: FastifyPluginAsync<OpenApiRoutesOptions> = async (app, opts) => {
  // The docs UI registers its own routes (HTML, static assets); mark them public in this scope.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true }
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  // The UI is the one HTML page: a strict CSP of its own (scripts and styles from this origin only).
  if (opts.docs) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP })
}
