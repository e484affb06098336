/**
 * Federation (plugin-federation): trust policies (`agents:read` / `agents:write`), partner IdPs
 * (`admin:orgs`: register — the server fetches and checks the JWKS —, suspend, reactivate, re-key,
 * remove) and verifying a token of a partner or trusted issuer (`tokens:read`).
 */
import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { can, del, get, patch, post, type SessionInfo } from '../api.js'
import { useRun } from '../hooks.js'
import { Alert, Button, Field, Select, Table, when } from '../ui.js'

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

interface Partner {
  partnerId: string
  name: string
  issuer: string
  jwksUri: string
  allowedOrganizations: string[]
  status: 'active' | 'suspended'
  expiresAt: string | null
  createdAt: string
}

interface Verified {
  valid: boolean
  issuer?: string
  claims?: Record<string, unknown>
  reason?: string
}

const words = (s: string) => s.split(/[\s,]+/).filter((w) => w !== '')

export function FederationPage({ session }: { session: SessionInfo }) {
  return (
    <>
      <h1>Federation</h1>
      <TrustPolicies session={session} />
      {can(session, 'admin:orgs') && <Partners />}
      {can(session, 'tokens:read') && <VerifyToken />}
    </>
  )
}

function TrustPolicies({ session }: { session: SessionInfo }) {
  const write = can(session, 'agents:write')
  const policies = useQuery({ queryKey: ['trust-policies'], queryFn: () => get<{ items: TrustPolicy[] }>('/api/v1/oidc/trust-policies?limit=100') })
  const agents = useQuery({
    queryKey: ['agents', 'active-for-policies'],
    queryFn: () => get<{ items: { agentId: string; name: string }[] }>('/api/v1/agents?limit=100&status=active'),
    enabled: write,
  })
  const { error, run } = useRun(['trust-policies'])
  const create = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    const text = (k: string) => String(form.get(k) ?? '').trim()
    const scopes = words(text('scopes'))
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
    <section aria-labelledby="policies-title">
      <h2 id="policies-title">Trust policies</h2>
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
                <Button variant="danger" onClick={() => void (window.confirm(`Delete the trust policy ${p.name}?`) && run(() => del(`/api/v1/oidc/trust-policies/${p.policyId}`)))}>
                  Delete
                </Button>
              </td>
            )}
          </tr>
        ))}
      </Table>
      {write && (
        <form className="card" onSubmit={create} aria-labelledby="new-policy">
          <h3 id="new-policy">New trust policy</h3>
          <div className="grid">
            <Field label="Policy name" name="name" required maxLength={128} />
            <Field label="Issuer" name="issuer" type="url" required placeholder="https://token.actions.githubusercontent.com" />
            <Field label="Audience (optional)" name="audience" />
            <Field label="Claim" name="claim" required defaultValue="sub" />
            <Field label="Claim value (* for a glob)" name="value" required placeholder="repo:acme/app:ref:refs/heads/main" />
            <Select label="Agent" name="agentId" required defaultValue="">
              <option value="" disabled>
                Choose an agent
              </option>
              {(agents.data?.items ?? []).map((a) => (
                <option key={a.agentId} value={a.agentId}>
                  {a.name} ({a.agentId})
                </option>
              ))}
            </Select>
            <Field label="Scopes (space separated, optional)" name="scopes" />
          </div>
          <Button type="submit">Create policy</Button>
        </form>
      )}
    </section>
  )
}

function Partners() {
  const partners = useQuery({ queryKey: ['partners'], queryFn: () => get<{ items: Partner[] }>('/api/v1/federation/partners?limit=100') })
  const { error, run } = useRun(['partners'])
  const [editing, setEditing] = useState<string>()
  const register = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const el = e.currentTarget
    const form = new FormData(el)
    const text = (k: string) => String(form.get(k) ?? '').trim()
    const expires = text('expiresAt')
    void run(async () => {
      await post('/api/v1/federation/partners', {
        name: text('name'),
        issuer: text('issuer'),
        jwksUri: text('jwksUri'),
        allowedOrganizations: words(text('allowedOrganizations')),
        ...(expires === '' ? {} : { expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() }),
      })
      el.reset()
    })
  }
  const update = (partnerId: string) => (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    const text = (k: string) => String(form.get(k) ?? '').trim()
    void run(async () => {
      await patch(`/api/v1/federation/partners/${partnerId}`, { jwksUri: text('jwksUri'), allowedOrganizations: words(text('allowedOrganizations')) })
      setEditing(undefined)
    })
  }
  const items = partners.data?.items ?? []
  return (
    <section aria-labelledby="partners-title">
      <h2 id="partners-title">Partner IdPs</h2>
      <p>A partner is another identity provider whose agents&apos; tokens this IdP accepts, for the organizations allowed. Changes take effect at once.</p>
      {error !== undefined && <Alert>{error}</Alert>}
      {partners.isError && <Alert>{partners.error.message}</Alert>}
      <Table caption="Partner IdPs" head={['Name', 'Issuer', 'JWKS URL', 'Organizations', 'Status', 'Expires', 'Actions']}>
        {items.map((p) => (
          <tr key={p.partnerId}>
            <td>{p.name}</td>
            <td className="mono">{p.issuer}</td>
            <td className="mono">{p.jwksUri}</td>
            <td className="mono">{p.allowedOrganizations.join(' ')}</td>
            <td>
              <span className={`badge status-${p.status}`}>{p.status}</span>
            </td>
            <td>{when(p.expiresAt)}</td>
            <td>
              <div className="row-actions">
                <Button variant="secondary" onClick={() => void run(() => patch(`/api/v1/federation/partners/${p.partnerId}`, { status: p.status === 'active' ? 'suspended' : 'active' }))}>
                  {p.status === 'active' ? 'Suspend' : 'Reactivate'}
                </Button>
                <Button variant="secondary" onClick={() => setEditing(editing === p.partnerId ? undefined : p.partnerId)} aria-expanded={editing === p.partnerId}>
                  Edit
                </Button>
                <Button variant="danger" onClick={() => void (window.confirm(`Remove the partner ${p.name}? Its tokens stop working at once.`) && run(() => del(`/api/v1/federation/partners/${p.partnerId}`)))}>
                  Remove
                </Button>
              </div>
            </td>
          </tr>
        ))}
      </Table>
      {items.length === 0 && partners.isSuccess && <p>No partner IdPs yet.</p>}
      {items
        .filter((p) => p.partnerId === editing)
        .map((p) => (
          <form key={p.partnerId} className="card" onSubmit={update(p.partnerId)} aria-labelledby="edit-partner">
            <h3 id="edit-partner">Edit {p.name}</h3>
            <Field label="New JWKS URL" name="jwksUri" type="url" required defaultValue={p.jwksUri} />
            <Field label="Allowed organization ids (space separated)" name="allowedOrganizations" required defaultValue={p.allowedOrganizations.join(' ')} />
            <Button type="submit">Save partner</Button>
          </form>
        ))}
      <form className="card" onSubmit={register} aria-labelledby="new-partner">
        <h3 id="new-partner">Register a partner IdP</h3>
        <p>The server fetches the JWKS URL and refuses the partner when it holds no usable key.</p>
        <div className="grid">
          <Field label="Partner name" name="name" required maxLength={128} />
          <Field label="Partner issuer" name="issuer" type="url" required placeholder="https://idp.partner.example" />
          <Field label="JWKS URL" name="jwksUri" type="url" required placeholder="https://idp.partner.example/.well-known/jwks.json" />
          <Field label="Allowed organization ids (space separated)" name="allowedOrganizations" required />
          <Field label="Expires (optional)" name="expiresAt" type="date" />
        </div>
        <Button type="submit">Register partner</Button>
      </form>
    </section>
  )
}

function VerifyToken() {
  const [result, setResult] = useState<Verified>()
  const [error, setError] = useState<string>()
  const verify = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    setError(undefined)
    try {
      setResult(await post<Verified>('/api/v1/federation/verify', { token: String(new FormData(e.currentTarget).get('token') ?? '').trim() }))
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Failed')
    }
  }
  return (
    <section aria-labelledby="verify-title">
      <h2 id="verify-title">Verify a foreign token</h2>
      <form className="inline-form" onSubmit={(e) => void verify(e)}>
        <Field label="Token of a partner or trusted issuer" name="token" required />
        <Button type="submit" variant="secondary">
          Verify token
        </Button>
      </form>
      {error !== undefined && <Alert>{error}</Alert>}
      {result !== undefined && (
        <Alert tone={result.valid ? 'success' : 'warning'}>
          {result.valid ? `Valid: issued by ${result.issuer ?? ''}, subject ${String(result.claims?.['sub'] ?? '—')}` : `Not valid (${result.reason ?? 'invalid'})`}
        </Alert>
      )}
    </section>
  )
}
