/**
 * Webhooks (plugin-webhooks): subscriptions (create — the signing secret shown once; pause, resume,
 * rotate the secret — the new one shown once; ping; delete), and each subscription's deliveries
 * (redeliver). Write controls only with `webhooks:write`.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { can, del, get, patch, post, type SessionInfo } from '../api.js'
import { useRun } from '../hooks.js'
import { Alert, Button, Field, SecretOnce, Table, when } from '../ui.js'

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
  status: 'pending' | 'succeeded' | 'failed' | 'dead_letter'
  attempts: number
  responseCode: number | null
  lastAttemptAt: string | null
  error: string | null
}

/** A secret shown once, with the subscription it belongs to. */
interface ShownSecret {
  label: string
  value: string
  note?: string
}

export function WebhooksPage({ session }: { session: SessionInfo }) {
  const write = can(session, 'webhooks:write')
  const queries = useQueryClient()
  const subs = useQuery({ queryKey: ['webhooks'], queryFn: () => get<{ items: Subscription[] }>('/api/v1/webhooks?limit=100') })
  const { error, run } = useRun(['webhooks'])
  const [secret, setSecret] = useState<ShownSecret>()
  const [notice, setNotice] = useState<string>()
  const [selected, setSelected] = useState<string>()
  const act = (work: () => Promise<unknown>) => {
    setNotice(undefined)
    void run(work)
  }
  const create = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const el = e.currentTarget
    const form = new FormData(el)
    const events = form.getAll('events').map(String)
    const description = String(form.get('description') ?? '')
    act(async () => {
      const created = await post<Subscription>('/api/v1/webhooks', { url: String(form.get('url')), events, ...(description === '' ? {} : { description }) })
      if (created.secret !== undefined) setSecret({ label: `Signing secret of ${created.url}`, value: created.secret })
      el.reset()
    })
  }
  const rotate = (s: Subscription) =>
    act(async () => {
      const rotated = await post<{ secret: string; previousValidUntil: string }>(`/api/v1/webhooks/${s.subscriptionId}/rotate-secret`)
      setSecret({ label: `New signing secret of ${s.url}`, value: rotated.secret, note: `The previous secret keeps signing until ${when(rotated.previousValidUntil)}.` })
    })
  const ping = (s: Subscription) =>
    act(async () => {
      await post(`/api/v1/webhooks/${s.subscriptionId}/ping`)
      setSelected(s.subscriptionId)
      setNotice(`Ping queued for ${s.url}.`)
      await queries.invalidateQueries({ queryKey: ['deliveries', s.subscriptionId] })
    })
  const remove = (s: Subscription) => {
    if (!window.confirm(`Delete the subscription to ${s.url} and its delivery history?`)) return
    act(async () => {
      await del(`/api/v1/webhooks/${s.subscriptionId}`)
      await queries.invalidateQueries({ queryKey: ['webhooks'] })
      if (selected === s.subscriptionId) setSelected(undefined)
      setSecret(undefined)
      setNotice(`Subscription to ${s.url} deleted.`)
    })
  }
  const items = subs.data?.items ?? []
  const shown = items.find((s) => s.subscriptionId === selected)
  return (
    <>
      <h1>Webhooks</h1>
      {error !== undefined && <Alert>{error}</Alert>}
      {subs.isError && <Alert>{subs.error.message}</Alert>}
      {notice !== undefined && <Alert tone="success">{notice}</Alert>}
      {secret !== undefined && (
        <>
          <SecretOnce label={secret.label} value={secret.value} />
          {secret.note !== undefined && <p>{secret.note}</p>}
        </>
      )}
      <Table caption="Subscriptions" head={['URL', 'Events', 'Status', 'Created', 'Actions']}>
        {items.map((s) => (
          <tr key={s.subscriptionId}>
            <td className="mono">{s.url}</td>
            <td>{s.events.join(' ')}</td>
            <td>{s.active ? 'active' : `paused${s.disabledReason === null ? '' : ` (${s.disabledReason})`}`}</td>
            <td>{when(s.createdAt)}</td>
            <td>
              <div className="row-actions">
                <Button variant="secondary" onClick={() => setSelected(s.subscriptionId)} aria-pressed={selected === s.subscriptionId}>
                  Deliveries
                </Button>
                {write && (
                  <>
                    <Button variant="secondary" onClick={() => ping(s)}>
                      Ping
                    </Button>
                    <Button variant="secondary" onClick={() => act(() => patch(`/api/v1/webhooks/${s.subscriptionId}`, { active: !s.active }))}>
                      {s.active ? 'Pause' : 'Resume'}
                    </Button>
                    <Button variant="secondary" onClick={() => rotate(s)}>
                      Rotate secret
                    </Button>
                    <Button variant="danger" onClick={() => remove(s)}>
                      Delete
                    </Button>
                  </>
                )}
              </div>
            </td>
          </tr>
        ))}
      </Table>
      {items.length === 0 && subs.isSuccess && <p>No subscriptions yet.</p>}
      {shown !== undefined && <Deliveries subscription={shown} write={write} />}
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

function Deliveries({ subscription, write }: { subscription: Subscription; write: boolean }) {
  const id = subscription.subscriptionId
  const deliveries = useQuery({
    queryKey: ['deliveries', id],
    queryFn: () => get<{ items: Delivery[] }>(`/api/v1/webhooks/${id}/deliveries?limit=50`),
    // While a delivery waits for its attempt, follow it.
    refetchInterval: (q) => ((q.state.data?.items ?? []).some((d) => d.status === 'pending') ? 1000 : false),
  })
  const { error, run } = useRun(['deliveries', id])
  const [notice, setNotice] = useState<string>()
  const items = deliveries.data?.items ?? []
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <div className="actions">
        <Button variant="secondary" onClick={() => void deliveries.refetch()}>
          Refresh deliveries
        </Button>
      </div>
      {error !== undefined && <Alert>{error}</Alert>}
      {notice !== undefined && <Alert tone="success">{notice}</Alert>}
      <Table caption={`Deliveries to ${subscription.url}, newest first`} head={['Event', 'Status', 'Attempts', 'Response', 'Last attempt', ...(write ? ['Actions'] : [])]}>
        {items.map((d) => (
          <tr key={d.deliveryId}>
            <td>{d.event}</td>
            <td>
              <span className={`badge delivery-${d.status}`}>{d.status.replace('_', ' ')}</span>
            </td>
            <td>{d.attempts}</td>
            <td>{d.responseCode ?? d.error ?? '—'}</td>
            <td>{when(d.lastAttemptAt)}</td>
            {write && (
              <td>
                <Button
                  variant="secondary"
                  disabled={d.status === 'pending'}
                  onClick={() =>
                    void run(async () => {
                      setNotice(undefined)
                      await post(`/api/v1/webhooks/${id}/deliveries/${d.deliveryId}/redeliver`)
                      setNotice(`Delivery ${d.deliveryId} queued again.`)
                    })
                  }
                >
                  Redeliver
                </Button>
              </td>
            )}
          </tr>
        ))}
      </Table>
      {items.length === 0 && deliveries.isSuccess && <p>No deliveries yet.</p>}
    </section>
  )
}
