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
  // Today's usage: the plan's counters (billing) when installed, else the analytics of the last 24 hours.
  const billing = session.features.includes('billing') && can(session, 'billing:read')
  const analytics = !billing && session.features.includes('analytics') && can(session, 'analytics:read')
  const usage = useQuery({
    queryKey: ['overview', 'usage', billing],
    queryFn: async (): Promise<{ label: string; apiCalls: number; tokens: number }> => {
      if (billing) {
        const s = await get<{ usage: { apiCallsToday: number; tokensToday: number } }>('/api/v1/tiers/status')
        return { label: 'Usage today (UTC)', apiCalls: s.usage.apiCallsToday, tokens: s.usage.tokensToday }
      }
      const s = await get<{ last24Hours: { apiCalls: number; tokensIssued: number } }>('/api/v1/analytics/summary')
      return { label: 'Usage, last 24 hours', apiCalls: s.last24Hours.apiCalls, tokens: s.last24Hours.tokensIssued }
    },
    enabled: billing || analytics,
  })
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
        {usage.data !== undefined && (
          <section className="card tile" aria-label={usage.data.label}>
            <h2>{usage.data.label}</h2>
            <p className="big">{usage.data.apiCalls}</p>
            <p>
              API calls · {usage.data.tokens} tokens issued
            </p>
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
