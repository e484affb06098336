/**
 * Agent cards (SPEC §7): the AGNTCY-style card of an agent and its A2A `AgentCard` rendering. Pure
 * builders over an agent record; `identityProvider` / `securitySchemes` point at this IdP so that a
 * reader knows where the agent obtains tokens and where its keys are published.
 *
 * @module
 */
import type { A2AAgentCardView, AgentCardView } from './card-schemas.js'
import type { Agent } from '../model.js'
import { instanceDid } from '../did/did-document.js'
import { agentDid } from '../views.js'

/** A2A protocol version of the rendered `AgentCard`. */
export const A2A_PROTOCOL_VERSION = '0.3.0'

/**
 * The AGNTCY-style card.
 *
 * @example
 * const card = agentCard('https://idp.example.com', agent, new Date())
 */
export function agentCard(issuer: string, agent: Agent, issuedAt: Date): AgentCardView {
  return {
    agentId: agent.agentId,
    did: agentDid(issuer, agent.agentId),
    name: agent.name,
    description: agent.description,
    agentType: agent.agentType,
    capabilities: [...agent.capabilities],
    owner: agent.owner,
    version: agent.version,
    deploymentEnv: agent.deploymentEnv,
    status: agent.status,
    identityProvider: {
      issuer,
      did: instanceDid(issuer),
      jwksUri: `${issuer}/.well-known/jwks.json`,
      tokenEndpoint: `${issuer}/oauth2/token`,
    },
    issuedAt: issuedAt.toISOString(),
  }
}

/**
 * The A2A `AgentCard` of the same agent. Skills come from capabilities (`resource:action`); the
 * security scheme is OAuth 2.0 client credentials at this IdP's token endpoint. The agent has no
 * registered service endpoint, so `url` is its DID document location (where its keys are).
 *
 * @example
 * const card = a2aAgentCard('https://idp.example.com', agent, { name: 'Acme' })
 */
export function a2aAgentCard(issuer: string, agent: Agent, publisher: { name: string }): A2AAgentCardView {
  const scopes = Object.fromEntries(agent.scopes.map((s) => [s, `SentryAgent scope ${s}`]))
  return {
    protocolVersion: A2A_PROTOCOL_VERSION,
    name: agent.name,
    description: agent.description ?? `${agent.agentType} agent ${agent.name}`,
    url: `${issuer}/agents/${agent.agentId}/did.json`,
    version: agent.version,
    provider: { organization: publisher.name, url: issuer },
    capabilities: { streaming: false, pushNotifications: false, stateTransitionHistory: false },
    securitySchemes: {
      agentidp: {
        type: 'oauth2',
        description: 'OAuth 2.0 client credentials (client secret or private_key_jwt) at the SentryAgent IdP',
        flows: { clientCredentials: { tokenUrl: `${issuer}/oauth2/token`, scopes } },
      },
    },
    security: [{ agentidp: [] }],
    defaultInputModes: ['application/json'],
    defaultOutputModes: ['application/json'],
    skills: agent.capabilities.map((capability) => {
      const [resource = capability, action = ''] = capability.split(':')
      return {
        id: capability,
        name: capability,
        description: `${action} ${resource}`.trim(),
        tags: [resource, action].filter((t) => t !== ''),
      }
    }),
  }
}
