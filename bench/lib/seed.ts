/**
 * Bulk seeding of a PostgreSQL schema through the storage API (not HTTP): registered agents and
 * audit events, in large transactions, for the scale rows of the report.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { createPostgresStorage } from '@sentryagent/adapter-postgres'
import { linkAuditEvent, type Agent } from '@sentryagent/core'

/** Opens the schema the server under test uses (already migrated by it). */
export function openSchema(connectionString: string, schema: string) {
  return createPostgresStorage({ connectionString, schema, poolSize: 2, migrate: false })
}

/** Registers `count` more agents in `organizationId`, 2,000 per transaction. */
export async function seedAgents(connectionString: string, schema: string, organizationId: string, count: number): Promise<void> {
  const storage = await openSchema(connectionString, schema)
  try {
    for (let done = 0; done < count; ) {
      const n = Math.min(2000, count - done)
      await storage.transaction(async (tx) => {
        for (let i = 0; i < n; i++) {
          const now = new Date()
          const agent: Agent = {
            agentId: randomUUID(),
            organizationId,
            name: `seed-${done + i}`,
            email: null,
            agentType: 'custom',
            version: '1.0.0',
            capabilities: ['documents:read'],
            owner: 'bench',
            deploymentEnv: 'production',
            description: null,
            scopes: ['agents:read'],
            isPublic: false,
            status: 'active',
            createdAt: now,
            updatedAt: now,
          }
          await tx.agents.insert(agent)
        }
      })
      done += n
    }
  } finally {
    await storage.close()
  }
}

/** Appends `count` hash-chained audit events to `organizationId`, 5,000 per `appendMany`. */
export async function seedAudit(connectionString: string, schema: string, organizationId: string, count: number): Promise<void> {
  const storage = await openSchema(connectionString, schema)
  try {
    for (let done = 0; done < count; ) {
      const n = Math.min(5000, count - done)
      const links = Array.from({ length: n }, () => (head: Parameters<typeof linkAuditEvent>[1]) =>
        linkAuditEvent(
          {
            eventId: randomUUID(),
            organizationId,
            timestamp: new Date(),
            action: 'token.issued',
            outcome: 'success',
            actor: 'bench-seed',
            agentId: null,
            ip: '127.0.0.1',
            details: { jti: randomUUID() },
          },
          head,
        ),
      )
      await storage.transaction((tx) => tx.audit.appendMany(organizationId, links))
      done += n
    }
  } finally {
    await storage.close()
  }
}

/** The action mix of {@link seedAuditMix}, per 20 events. */
const MIX = [
  ...Array<string>(11).fill('token.issued'),
  'token.issued',
  'token.exchanged',
  'token.exchanged',
  'auth.failed',
  'auth.failed',
  'credential.rotated',
  'delegation.created',
  'agent.updated',
  'token.revoked',
] as const

/**
 * Appends `count` hash-chained audit events to `organizationId` with a realistic mix of actions
 * (60 % token.issued, 10 % token.exchanged, 10 % auth.failed, credential, delegation and other
 * events) by `agentIds` in turn, timestamps spread evenly over the `spanDays` days before now,
 * 5,000 per `appendMany`.
 */
export async function seedAuditMix(
  connectionString: string,
  schema: string,
  organizationId: string,
  count: number,
  options: { agentIds: readonly string[]; spanDays: number },
): Promise<void> {
  const storage = await openSchema(connectionString, schema)
  const end = Date.now()
  const start = end - options.spanDays * 86_400_000
  try {
    for (let done = 0; done < count; ) {
      const n = Math.min(5000, count - done)
      const links = Array.from({ length: n }, (_, k) => {
        const i = done + k
        const action = MIX[i % MIX.length] ?? 'token.issued'
        return (head: Parameters<typeof linkAuditEvent>[1]) =>
          linkAuditEvent(
            {
              eventId: randomUUID(),
              organizationId,
              timestamp: new Date(start + Math.floor(((end - start) * i) / count)),
              action,
              outcome: action === 'auth.failed' ? 'failure' : 'success',
              actor: 'bench-seed',
              agentId: options.agentIds[i % options.agentIds.length] ?? null,
              ip: '127.0.0.1',
              details: { jti: randomUUID() },
            },
            head,
          )
      })
      await storage.transaction((tx) => tx.audit.appendMany(organizationId, links))
      done += n
    }
  } finally {
    await storage.close()
  }
}
