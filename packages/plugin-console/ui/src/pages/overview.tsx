import { useQuery } from '@tanstack/react-query'
import { can, get, type SessionInfo } from '../api.js'
import { Table, when } from '../ui.js'

interface AuditEvent {
  eventId: string
  action: string
  actor: string
  outcome: string
  timestamp: string
}

export function OverviewPage({ session }: { session: SessionInfo }) {
  const health = useQuery({ queryKey: ['health'], queryFn: () => get<{ status: string }>('/health') })
  const agents = useQuery({ queryKey: ['agents', 'count'], queryFn: () => get<{ items: unknown[] }>('/api/v1/agents?limit=100'), enabled: can(session, 'agents:read') })
  const events = useQuery({ queryKey: ['audit', 'recent'], queryFn: () => get<{ items: AuditEvent[] }>('/api/v1/audit?limit=10'), enabled: can(session, 'audit:read') })
  return (
    <>
      <h1>Overview</h1>
      <div className="tiles">
        <section className="card tile" aria-label="Health">
          <h2>Health</h2>
          <p className="big">{health.data?.status ?? '…'}</p>
        </section>
        {can(session, 'agents:read') && (
          <section className="card tile" aria-label="Agents">
            <h2>Agents</h2>
            <p className="big">{agents.data === undefined ? '…' : agents.data.items.length}</p>
          </section>
        )}
        <section className="card tile" aria-label="Session">
          <h2>Session</h2>
          <p>Expires {when(session.expiresAt)}</p>
        </section>
      </div>
      {can(session, 'audit:read') && (
        <Table caption="Recent events" head={['When', 'Action', 'Actor', 'Outcome']}>
          {(events.data?.items ?? []).map((e) => (
            <tr key={e.eventId}>
              <td>{when(e.timestamp)}</td>
              <td>{e.action}</td>
              <td className="mono">{e.actor}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  )
}
