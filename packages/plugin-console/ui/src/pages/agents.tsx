import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { can, del, get, patch, post, type SessionInfo } from '../api.js'
import { Alert, Button, Field, SecretOnce, Select, Table, when } from '../ui.js'
import { AgentKeys } from './keys.js'

interface Agent {
  agentId: string
  name: string
  agentType: string
  status: 'active' | 'suspended' | 'decommissioned'
  owner: string
  deploymentEnv: string
  scopes: string[]
  did?: string
  createdAt: string
}

interface Credential {
  credentialId: string
  clientId: string
  status: string
  createdAt: string
  expiresAt: string | null
}

const AGENT_TYPES = ['screener', 'classifier', 'orchestrator', 'extractor', 'summarizer', 'router', 'monitor', 'custom']

export function AgentsPage({ session }: { session: SessionInfo }) {
  const queries = useQueryClient()
  const [q, setQ] = useState('')
  const [status, setStatus] = useState('')
  const list = useQuery({
    queryKey: ['agents', q, status],
    queryFn: () => get<{ items: Agent[] }>(`/api/v1/agents?limit=100${q === '' ? '' : `&q=${encodeURIComponent(q)}`}${status === '' ? '' : `&status=${status}`}`),
  })
  const [error, setError] = useState<string>()
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => post<Agent>('/api/v1/agents', body),
    onSuccess: async () => {
      setError(undefined)
      await queries.invalidateQueries({ queryKey: ['agents'] })
    },
    onError: (e) => setError(e.message),
  })
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    const scopes = String(f.get('scopes') ?? '').split(/[\s,]+/).filter((s) => s !== '')
    create.mutate({
      name: f.get('name'),
      agentType: f.get('agentType'),
      version: f.get('version'),
      owner: f.get('owner'),
      deploymentEnv: f.get('deploymentEnv'),
      capabilities: String(f.get('capabilities') ?? '').split(/[\s,]+/).filter((s) => s !== ''),
      ...(scopes.length === 0 ? {} : { scopes }),
    })
    e.currentTarget.reset()
  }
  return (
    <>
      <h1>Agents</h1>
      <div className="filters" role="search">
        <Field label="Search" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        <Select label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any</option>
          <option value="active">Active</option>
          <option value="suspended">Suspended</option>
          <option value="decommissioned">Decommissioned</option>
        </Select>
      </div>
      <Table caption="Agents of the organization" head={['Name', 'Type', 'Status', 'Owner', 'Created']}>
        {(list.data?.items ?? []).map((a) => (
          <tr key={a.agentId}>
            <td>
              <a href={`#/agents/${a.agentId}`}>{a.name}</a>
            </td>
            <td>{a.agentType}</td>
            <td>
              <span className={`badge status-${a.status}`}>{a.status}</span>
            </td>
            <td>{a.owner}</td>
            <td>{when(a.createdAt)}</td>
          </tr>
        ))}
      </Table>
      {can(session, 'agents:write') && (
        <form className="card" onSubmit={submit} aria-labelledby="register-title">
          <h2 id="register-title">Register an agent</h2>
          {error !== undefined && <Alert>{error}</Alert>}
          <div className="grid">
            <Field label="Name" name="name" required maxLength={100} />
            <Select label="Type" name="agentType" defaultValue="custom">
              {AGENT_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </Select>
            <Field label="Version" name="version" required defaultValue="1.0.0" />
            <Field label="Owner" name="owner" required />
            <Select label="Environment" name="deploymentEnv" defaultValue="development">
              <option>development</option>
              <option>staging</option>
              <option>production</option>
            </Select>
            <Field label="Capabilities (space separated)" name="capabilities" required defaultValue="documents:read" />
            <Field label="Scopes (space separated, optional)" name="scopes" placeholder="agents:read" />
          </div>
          <Button type="submit" disabled={create.isPending}>
            Register agent
          </Button>
        </form>
      )}
    </>
  )
}

export function AgentPage({ session, agentId }: { session: SessionInfo; agentId: string }) {
  const queries = useQueryClient()
  const agent = useQuery({ queryKey: ['agent', agentId], queryFn: () => get<Agent>(`/api/v1/agents/${agentId}`) })
  const creds = useQuery({ queryKey: ['credentials', agentId], queryFn: () => get<{ items: Credential[] }>(`/api/v1/agents/${agentId}/credentials`) })
  const [secret, setSecret] = useState<{ clientId: string; clientSecret: string }>()
  const [error, setError] = useState<string>()
  const [did, setDid] = useState<string>()
  const refresh = async () => {
    await queries.invalidateQueries({ queryKey: ['agent', agentId] })
    await queries.invalidateQueries({ queryKey: ['credentials', agentId] })
    await queries.invalidateQueries({ queryKey: ['agents'] })
  }
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined)
    try {
      await work()
      await refresh()
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Failed')
    }
  }
  const write = can(session, 'agents:write')
  if (agent.isError) return <Alert>{agent.error.message}</Alert>
  const a = agent.data
  if (a === undefined) return <p aria-busy="true">Loading…</p>
  const live = a.status !== 'decommissioned'
  return (
    <>
      <p>
        <a href="#/agents">← Agents</a>
      </p>
      <h1>{a.name}</h1>
      {error !== undefined && <Alert>{error}</Alert>}
      <dl className="facts">
        <dt>Agent id</dt>
        <dd className="mono">{a.agentId}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge status-${a.status}`}>{a.status}</span>
        </dd>
        <dt>Type</dt>
        <dd>{a.agentType}</dd>
        <dt>Scopes</dt>
        <dd>{a.scopes.join(' ') || '—'}</dd>
      </dl>
      <div className="actions">
        {write && a.status === 'active' && (
          <Button variant="secondary" onClick={() => void act(() => patch(`/api/v1/agents/${agentId}`, { status: 'suspended' }))}>
            Suspend
          </Button>
        )}
        {write && a.status === 'suspended' && (
          <Button variant="secondary" onClick={() => void act(() => patch(`/api/v1/agents/${agentId}`, { status: 'active' }))}>
            Reactivate
          </Button>
        )}
        <Button variant="secondary" onClick={() => void get<unknown>(`/api/v1/agents/${agentId}/did`).then((d) => setDid(JSON.stringify(d, null, 2)), (e: Error) => setError(e.message))}>
          DID document
        </Button>
        <Button variant="secondary" onClick={() => void get<unknown>(`/api/v1/agents/${agentId}/card`).then((d) => setDid(JSON.stringify(d, null, 2)), (e: Error) => setError(e.message))}>
          Agent card
        </Button>
        {write && live && (
          <Button variant="danger" onClick={() => void (window.confirm(`Decommission ${a.name}? This cannot be undone.`) && act(() => del(`/api/v1/agents/${agentId}`)))}>
            Decommission
          </Button>
        )}
      </div>
      {did !== undefined && <pre className="json" tabIndex={0}>{did}</pre>}
      <h2>Credentials</h2>
      {secret !== undefined && <SecretOnce label={`Client secret of ${secret.clientId}`} value={secret.clientSecret} />}
      <Table caption="Credentials (secrets are never shown again)" head={['Client id', 'Status', 'Created', 'Expires', ...(write ? ['Actions'] : [])]}>
        {(creds.data?.items ?? []).map((c) => (
          <tr key={c.credentialId}>
            <td className="mono">{c.clientId}</td>
            <td>{c.status}</td>
            <td>{when(c.createdAt)}</td>
            <td>{when(c.expiresAt)}</td>
            {write && (
              <td>
                {c.status === 'active' && (
                  <>
                    <Button
                      variant="secondary"
                      onClick={() => void act(async () => setSecret(await post<{ clientId: string; clientSecret: string }>(`/api/v1/agents/${agentId}/credentials/${c.credentialId}/rotate`)))}
                    >
                      Rotate
                    </Button>{' '}
                    <Button variant="danger" onClick={() => void act(() => del(`/api/v1/agents/${agentId}/credentials/${c.credentialId}`))}>
                      Revoke
                    </Button>
                  </>
                )}
              </td>
            )}
          </tr>
        ))}
      </Table>
      {write && live && (
        <Button onClick={() => void act(async () => setSecret(await post<{ clientId: string; clientSecret: string }>(`/api/v1/agents/${agentId}/credentials`, {})))}>
          Create credential
        </Button>
      )}
      <AgentKeys agentId={agentId} write={write && live} />
    </>
  )
}
