/** Pages of optional plugins: shown only when the server advertises the plugin (and the role reads it). */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { can, del, get, patch, post, type SessionInfo } from '../api.js'
import { Alert, Button, Field, SecretOnce, Select, Table, when } from '../ui.js'

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

/** Runs a mutation, then refreshes `key`; the error (problem+json detail) is shown. */
function useRun(key: string[]) {
  const queries = useQueryClient()
  const [error, setError] = useState<string>()
  const run = async (work: () => Promise<unknown>) => {
    setError(undefined)
    try {
      await work()
      await queries.invalidateQueries({ queryKey: key })
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Failed')
    }
  }
  return { error, run }
}

// ── Webhooks ────────────────────────────────────────────────────────────────────────────────

const WEBHOOK_EVENTS = [
  'agent.created', 'agent.updated', 'agent.suspended', 'agent.reactivated', 'agent.decommissioned',
  'credential.generated', 'credential.rotated', 'credential.revoked', 'token.issued', 'token.revoked',
  'delegation.created', 'delegation.revoked', 'webhook.created', 'webhook.updated', 'webhook.deleted',
  'webhook.disabled', 'webhook.secret_rotated', 'webhook.ping',
] as const

interface Subscription {
  subscriptionId: string
  url: string
  description: string | null
  events: string[]
  active: boolean
  disabledReason: string | null
  createdAt: string
  secret?: string
}

interface Delivery {
  deliveryId: string
  event: string
  status: string
  attempts: number
  responseCode: number | null
  lastAttemptAt: string | null
  error: string | null
}

function WebhooksPage({ session }: { session: SessionInfo }) {
  const write = can(session, 'webhooks:write')
  const subs = useQuery({ queryKey: ['webhooks'], queryFn: () => get<{ items: Subscription[] }>('/api/v1/webhooks') })
  const { error, run } = useRun(['webhooks'])
  const [secret, setSecret] = useState<string>()
  const [selected, setSelected] = useState<string>()
  const create = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const el = e.currentTarget
    const form = new FormData(el)
    const events = form.getAll('events').map(String)
    const description = String(form.get('description') ?? '')
    void run(async () => {
      const created = await post<Subscription>('/api/v1/webhooks', { url: String(form.get('url')), events, ...(description === '' ? {} : { description }) })
      if (created.secret !== undefined) setSecret(created.secret)
      el.reset()
    })
  }
  return (
    <>
      <h1>Webhooks</h1>
      {error !== undefined && <Alert>{error}</Alert>}
      {subs.isError && <Alert>{subs.error.message}</Alert>}
      {secret !== undefined && <SecretOnce label="Signing secret of the new subscription" value={secret} />}
      <Table caption="Subscriptions" head={['URL', 'Events', 'Status', 'Created', 'Actions']}>
        {(subs.data?.items ?? []).map((s) => (
          <tr key={s.subscriptionId}>
            <td className="mono">{s.url}</td>
            <td>{s.events.join(' ')}</td>
            <td>{s.active ? 'active' : `paused${s.disabledReason === null ? '' : ` (${s.disabledReason})`}`}</td>
            <td>{when(s.createdAt)}</td>
            <td>
              <Button variant="secondary" onClick={() => setSelected(s.subscriptionId)}>
                Deliveries
              </Button>
              {write && (
                <>
                  <Button variant="secondary" onClick={() => void run(() => patch(`/api/v1/webhooks/${s.subscriptionId}`, { active: !s.active }))}>
                    {s.active ? 'Pause' : 'Resume'}
                  </Button>
                  <Button variant="danger" onClick={() => void run(() => del(`/api/v1/webhooks/${s.subscriptionId}`))}>
                    Delete
                  </Button>
                </>
              )}
            </td>
          </tr>
        ))}
      </Table>
      {selected !== undefined && <Deliveries webhookId={selected} write={write} />}
      {write && (
        <form className="card" onSubmit={create} aria-labelledby="new-webhook">
          <h2 id="new-webhook">New subscription</h2>
          <Field label="Endpoint URL" name="url" type="url" required placeholder="https://example.com/hooks" />
          <Field label="Description (optional)" name="description" maxLength={200} />
          <fieldset>
            <legend>Events</legend>
            {WEBHOOK_EVENTS.map((ev) => (
              <label key={ev} className="check">
                <input type="checkbox" name="events" value={ev} defaultChecked={ev.startsWith('agent.')} /> {ev}
              </label>
            ))}
          </fieldset>
          <Button type="submit">Create subscription</Button>
        </form>
      )}
    </>
  )
}

function Deliveries({ webhookId, write }: { webhookId: string; write: boolean }) {
  const deliveries = useQuery({ queryKey: ['webhooks', webhookId, 'deliveries'], queryFn: () => get<{ items: Delivery[] }>(`/api/v1/webhooks/${webhookId}/deliveries`) })
  const { error, run } = useRun(['webhooks', webhookId, 'deliveries'])
  return (
    <>
      <h2>Deliveries</h2>
      {error !== undefined && <Alert>{error}</Alert>}
      <Table caption={`Deliveries of ${webhookId}, newest first`} head={['Event', 'Status', 'Attempts', 'Response', 'Last attempt', ...(write ? ['Actions'] : [])]}>
        {(deliveries.data?.items ?? []).map((d) => (
          <tr key={d.deliveryId}>
            <td>{d.event}</td>
            <td>{d.status}</td>
            <td>{d.attempts}</td>
            <td>{d.responseCode ?? d.error ?? '—'}</td>
            <td>{when(d.lastAttemptAt)}</td>
            {write && (
              <td>
                <Button variant="secondary" onClick={() => void run(() => post(`/api/v1/webhooks/${webhookId}/deliveries/${d.deliveryId}/redeliver`))}>
                  Redeliver
                </Button>
              </td>
            )}
          </tr>
        ))}
      </Table>
    </>
  )
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
          {can(session, 'billing:write') && s.tier !== 'enterprise' && (
            <form className="inline-form" onSubmit={(e) => void upgrade(e)}>
              <Select label="Upgrade to" name="tier" defaultValue={s.tier === 'free' ? 'pro' : 'enterprise'}>
                {s.tier === 'free' && <option value="pro">pro</option>}
                <option value="enterprise">enterprise</option>
              </Select>
              <Button type="submit" disabled={busy}>
                Upgrade
              </Button>
            </form>
          )}
        </>
      )}
    </>
  )
}

// ── Federation ──────────────────────────────────────────────────────────────────────────────

interface TrustPolicy {
  policyId: string
  name: string
  issuer: string
  audience: string | null
  conditions: { claim: string | string[]; equals?: string; glob?: string }[]
  agentId: string
  scopes: string[]
  mode: string
}

function FederationPage({ session }: { session: SessionInfo }) {
  const write = can(session, 'agents:write')
  const policies = useQuery({ queryKey: ['trust-policies'], queryFn: () => get<{ items: TrustPolicy[] }>('/api/v1/oidc/trust-policies') })
  const { error, run } = useRun(['trust-policies'])
  const create = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    const text = (k: string) => String(form.get(k) ?? '').trim()
    const scopes = text('scopes').split(/\s+/).filter((s) => s !== '')
    const value = text('value')
    const el = e.currentTarget
    void run(async () => {
      await post('/api/v1/oidc/trust-policies', {
        name: text('name'),
        issuer: text('issuer'),
        ...(text('audience') === '' ? {} : { audience: text('audience') }),
        conditions: [value.includes('*') ? { claim: text('claim'), glob: value } : { claim: text('claim'), equals: value }],
        agentId: text('agentId'),
        ...(scopes.length === 0 ? {} : { scopes }),
      })
      el.reset()
    })
  }
  return (
    <>
      <h1>Federation</h1>
      <p>Trust policies let workloads of an external OIDC issuer exchange their tokens for an agent&apos;s access token.</p>
      {error !== undefined && <Alert>{error}</Alert>}
      {policies.isError && <Alert>{policies.error.message}</Alert>}
      <Table caption="Trust policies" head={['Name', 'Issuer', 'Audience', 'Conditions', 'Agent', 'Scopes', ...(write ? ['Actions'] : [])]}>
        {(policies.data?.items ?? []).map((p) => (
          <tr key={p.policyId}>
            <td>{p.name}</td>
            <td className="mono">{p.issuer}</td>
            <td>{p.audience ?? '—'}</td>
            <td className="mono">{p.conditions.map((c) => `${[c.claim].flat().join('.')} ${c.glob === undefined ? '=' : '~'} ${c.equals ?? c.glob ?? ''}`).join('; ')}</td>
            <td className="mono">{p.agentId}</td>
            <td>{p.scopes.join(' ')}</td>
            {write && (
              <td>
                <Button variant="danger" onClick={() => void run(() => del(`/api/v1/oidc/trust-policies/${p.policyId}`))}>
                  Delete
                </Button>
              </td>
            )}
          </tr>
        ))}
      </Table>
      {write && (
        <form className="card" onSubmit={create} aria-labelledby="new-policy">
          <h2 id="new-policy">New trust policy</h2>
          <Field label="Policy name" name="name" required maxLength={100} />
          <Field label="Issuer" name="issuer" type="url" required placeholder="https://token.actions.githubusercontent.com" />
          <Field label="Audience (optional)" name="audience" />
          <Field label="Claim" name="claim" required defaultValue="sub" />
          <Field label="Claim value (* for a glob)" name="value" required placeholder="repo:acme/app:ref:refs/heads/main" />
          <Field label="Agent id" name="agentId" required />
          <Field label="Scopes (space separated, optional)" name="scopes" />
          <Button type="submit">Create policy</Button>
        </form>
      )}
    </>
  )
}
