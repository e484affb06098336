/** Pages of optional plugins: shown only when the server advertises the plugin (and the role reads it). */
import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { can, get, post, type SessionInfo } from '../api.js'
import { Alert, Button, Select, Table, when } from '../ui.js'
import { FederationPage } from './federation.js'
import { WebhooksPage } from './webhooks.js'

export const PLUGIN_PAGES = [
  { id: 'webhooks', label: 'Webhooks', scope: 'webhooks:read' },
  { id: 'analytics', label: 'Analytics', scope: 'analytics:read' },
  { id: 'billing', label: 'Plan & usage', scope: 'billing:read' },
  { id: 'federation', label: 'Federation', scope: 'agents:read' },
] as const

export function PluginPage({ id, session }: { id: string; session: SessionInfo }) {
  switch (id) {
    case 'webhooks':
      return <WebhooksPage session={session} />
    case 'analytics':
      return <AnalyticsPage />
    case 'billing':
      return <BillingPage session={session} />
    case 'federation':
      return <FederationPage session={session} />
    default:
      return <p>Not found.</p>
  }
}


// ── Analytics ───────────────────────────────────────────────────────────────────────────────

interface TokenDay {
  date: string
  issued: number
  exchanged: number
  failedAuthentications: number
}

interface Totals {
  tokensIssued: number
  tokenExchanges: number
  failedAuthentications: number
  apiCalls: number
  delegations: number
  credentialChanges: number
}

function AnalyticsPage() {
  const tokens = useQuery({ queryKey: ['analytics', 'tokens'], queryFn: () => get<{ items: TokenDay[] }>('/api/v1/analytics/tokens?days=30') })
  const summary = useQuery({ queryKey: ['analytics', 'summary'], queryFn: () => get<{ last24Hours: Totals; last30Days: Totals }>('/api/v1/analytics/summary') })
  const rows: [string, keyof Totals][] = [
    ['Tokens issued', 'tokensIssued'],
    ['Token exchanges', 'tokenExchanges'],
    ['Failed authentications', 'failedAuthentications'],
    ['API calls', 'apiCalls'],
    ['Delegations', 'delegations'],
    ['Credential changes', 'credentialChanges'],
  ]
  return (
    <>
      <h1>Analytics</h1>
      {(tokens.isError || summary.isError) && <Alert>{(tokens.error ?? summary.error)?.message}</Alert>}
      <h2>Tokens per day (UTC, last 30 days)</h2>
      {tokens.data !== undefined && <TokenChart days={tokens.data.items} />}
      {summary.data !== undefined && (
        <Table caption="Summary" head={['Measure', 'Last 24 hours', 'Last 30 days']}>
          {rows.map(([label, key]) => (
            <tr key={key}>
              <td>{label}</td>
              <td>{summary.data.last24Hours[key]}</td>
              <td>{summary.data.last30Days[key]}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  )
}

/** A plain SVG bar chart (issued per day), with the numbers in the accessible label of each bar. */
function TokenChart({ days }: { days: TokenDay[] }) {
  const width = 720
  const height = 200
  const peak = Math.max(0, ...days.map((d) => d.issued))
  const max = Math.max(1, peak)
  const bar = width / Math.max(1, days.length)
  const total = days.reduce((n, d) => n + d.issued, 0)
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={`Tokens issued per day: ${total} in ${days.length} days, at most ${peak} a day`} width="100%">
        {days.map((d, i) => {
          const h = (d.issued / max) * height
          return (
            <rect key={d.date} x={i * bar + 1} y={height - h} width={Math.max(1, bar - 2)} height={h} fill="#1d4ed8">
              <title>{`${d.date}: ${d.issued} issued, ${d.exchanged} exchanged, ${d.failedAuthentications} failed`}</title>
            </rect>
          )
        })}
        <line x1={0} y1={height} x2={width} y2={height} stroke="#334155" />
        <text x={0} y={height + 16} fontSize={12} fill="#334155">
          {days[0]?.date}
        </text>
        <text x={width} y={height + 16} fontSize={12} fill="#334155" textAnchor="end">
          {days.at(-1)?.date}
        </text>
      </svg>
      <figcaption>{`${total} tokens issued; the busiest day had ${peak}.`}</figcaption>
    </figure>
  )
}

// ── Plan & usage ────────────────────────────────────────────────────────────────────────────

interface TierStatus {
  tier: 'free' | 'pro' | 'enterprise'
  limits: { maxAgents: number | null; apiCallsPerDay: number | null; tokensPerDay: number | null }
  usage: { agents: number; apiCallsToday: number; tokensToday: number }
  resetsAt: string
  enforcement: boolean
}

function BillingPage({ session }: { session: SessionInfo }) {
  const status = useQuery({ queryKey: ['tiers', 'status'], queryFn: () => get<TierStatus>('/api/v1/tiers/status') })
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const upgrade = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const { checkoutUrl } = await post<{ checkoutUrl: string }>('/api/v1/tiers/upgrade', { targetTier: String(new FormData(e.currentTarget).get('tier')) })
      window.location.assign(checkoutUrl)
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Failed')
      setBusy(false)
    }
  }
  const portal = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const { portalUrl } = await post<{ portalUrl: string }>('/api/v1/billing/portal')
      window.location.assign(portalUrl)
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Failed')
      setBusy(false)
    }
  }
  const s = status.data
  const limit = (n: number | null) => (n === null ? 'unlimited' : String(n))
  return (
    <>
      <h1>Plan &amp; usage</h1>
      {error !== undefined && <Alert>{error}</Alert>}
      {status.isError && <Alert>{status.error.message}</Alert>}
      {s !== undefined && (
        <>
          <p>
            Plan: <span className="badge">{s.tier}</span> · usage resets {when(s.resetsAt)}
            {s.enforcement ? '' : ' · limits not enforced'}
          </p>
          <Table caption="Usage today against the plan's limits" head={['Measure', 'Used', 'Limit']}>
            <tr>
              <td>Agents</td>
              <td>{s.usage.agents}</td>
              <td>{limit(s.limits.maxAgents)}</td>
            </tr>
            <tr>
              <td>API calls today</td>
              <td>{s.usage.apiCallsToday}</td>
              <td>{limit(s.limits.apiCallsPerDay)}</td>
            </tr>
            <tr>
              <td>Tokens today</td>
              <td>{s.usage.tokensToday}</td>
              <td>{limit(s.limits.tokensPerDay)}</td>
            </tr>
          </Table>
          {can(session, 'billing:write') && s.tier === 'free' && (
            <form className="inline-form" onSubmit={(e) => void upgrade(e)}>
              <Select label="Upgrade to" name="tier" defaultValue="pro">
                <option value="pro">pro</option>
                <option value="enterprise">enterprise</option>
              </Select>
              <Button type="submit" disabled={busy}>
                Upgrade
              </Button>
              <span className="hint">Payment happens on Stripe Checkout; the plan changes once Stripe confirms it.</span>
            </form>
          )}
          {/* A paid plan changes (or ends) in Stripe's Customer Portal. */}
          {can(session, 'billing:write') && s.tier !== 'free' && (
            <div className="actions">
              <Button variant="secondary" onClick={() => void portal()} disabled={busy}>
                Manage subscription
              </Button>
            </div>
          )}
        </>
      )}
    </>
  )
}
