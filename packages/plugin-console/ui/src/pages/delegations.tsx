/**
 * Delegations (core). Core has no listing endpoint, so recent chains come from the audit log
 * (`delegation.created` events, their status from `delegation.revoked` events and the expiry); revoke takes a chain id (`DELETE /api/v1/oauth2/token/delegate/{chainId}`),
 * verify takes a delegation token (`POST /api/v1/oauth2/token/verify-delegation`).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { can, del, get, post, type SessionInfo } from '../api.js'
import { Alert, Button, Field, Table, when } from '../ui.js'

interface DelegationEvent {
  eventId: string
  timestamp: string
  details?: { chainId?: string; delegatorAgentId?: string; delegateeAgentId?: string; scopes?: string[]; expiresAt?: string }
}

interface Verification {
  valid: boolean
  reason?: string
  chainId?: string
  delegatorAgentId?: string
  delegateeAgentId?: string
  scopes?: string[]
  expiresAt?: string
}

export function DelegationsPage({ session }: { session: SessionInfo }) {
  const queries = useQueryClient()
  const write = can(session, 'agents:write')
  const readAudit = can(session, 'audit:read')
  const chains = useQuery({
    queryKey: ['delegations'],
    queryFn: () => get<{ items: DelegationEvent[] }>('/api/v1/audit?limit=50&action=delegation.created'),
    enabled: readAudit,
  })
  const revokedEvents = useQuery({
    queryKey: ['delegations', 'revoked'],
    queryFn: () => get<{ items: { details?: { revokedChainIds?: string[] } }[] }>('/api/v1/audit?limit=100&action=delegation.revoked'),
    enabled: readAudit,
  })
  const revoked = new Set((revokedEvents.data?.items ?? []).flatMap((ev) => ev.details?.revokedChainIds ?? []))
  const statusOf = (ev: DelegationEvent): 'revoked' | 'expired' | 'active' => {
    if (ev.details?.chainId !== undefined && revoked.has(ev.details.chainId)) return 'revoked'
    const expires = ev.details?.expiresAt
    return expires !== undefined && Date.parse(expires) <= Date.now() ? 'expired' : 'active'
  }
  const [error, setError] = useState<string>()
  const [notice, setNotice] = useState<string>()
  const [verification, setVerification] = useState<Verification>()
  const revoke = async (chainId: string) => {
    setError(undefined)
    setNotice(undefined)
    try {
      await del(`/api/v1/oauth2/token/delegate/${encodeURIComponent(chainId)}`)
      setNotice(`Chain ${chainId} revoked, with its sub-delegations.`)
      await queries.invalidateQueries({ queryKey: ['delegations'] })
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Failed')
    }
  }
  const onRevoke = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    void revoke(String(new FormData(e.currentTarget).get('chainId') ?? '').trim())
  }
  const onVerify = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    setError(undefined)
    try {
      setVerification(await post<Verification>('/api/v1/oauth2/token/verify-delegation', { delegationToken: String(new FormData(e.currentTarget).get('token') ?? '').trim() }))
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Failed')
    }
  }
  return (
    <>
      <h1>Delegations</h1>
      <p>Recent chains come from the audit log; revoking a chain also revokes its sub-delegations and the tokens derived from them.</p>
      {error !== undefined && <Alert>{error}</Alert>}
      {notice !== undefined && <Alert tone="success">{notice}</Alert>}
      {readAudit && (
        <Table caption="Delegations created (newest first)" head={['Chain id', 'Delegator', 'Delegatee', 'Scopes', 'Status', 'Created', 'Expires', ...(write ? ['Actions'] : [])]}>
          {(chains.data?.items ?? []).map((ev) => (
            <tr key={ev.eventId}>
              <td className="mono">{ev.details?.chainId ?? '—'}</td>
              <td className="mono">{ev.details?.delegatorAgentId ?? '—'}</td>
              <td className="mono">{ev.details?.delegateeAgentId ?? '—'}</td>
              <td>{(ev.details?.scopes ?? []).join(' ')}</td>
              <td>
                <span className={`badge status-${statusOf(ev)}`}>{statusOf(ev)}</span>
              </td>
              <td>{when(ev.timestamp)}</td>
              <td>{when(ev.details?.expiresAt)}</td>
              {write && (
                <td>
                  {ev.details?.chainId !== undefined && statusOf(ev) === 'active' && (
                    <Button variant="danger" onClick={() => void revoke(String(ev.details?.chainId))}>
                      Revoke
                    </Button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </Table>
      )}
      {write && (
        <form className="inline-form" onSubmit={onRevoke}>
          <Field label="Chain id" name="chainId" required />
          <Button type="submit" variant="danger">
            Revoke chain
          </Button>
        </form>
      )}
      <h2>Verify a delegation token</h2>
      <form className="inline-form" onSubmit={(e) => void onVerify(e)}>
        <Field label="Delegation token" name="token" required />
        <Button type="submit" variant="secondary">
          Verify
        </Button>
      </form>
      {verification !== undefined && (
        <Alert tone={verification.valid ? 'success' : 'warning'}>
          {verification.valid
            ? `Valid: chain ${verification.chainId ?? ''}, ${verification.delegatorAgentId ?? ''} → ${verification.delegateeAgentId ?? ''}, scopes ${(verification.scopes ?? []).join(' ')}, expires ${when(verification.expiresAt)}`
            : `Not valid (${verification.reason ?? 'invalid'})`}
        </Alert>
      )}
    </>
  )
}
