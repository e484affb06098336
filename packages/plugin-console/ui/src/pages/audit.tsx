import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { get } from '../api.js'
import { Alert, Button, Field, Select, Table, when } from '../ui.js'

interface AuditEvent {
  eventId: string
  seq: number
  action: string
  actor: string
  outcome: string
  timestamp: string
}

interface Verification {
  verified: boolean
  checkedCount: number
  mode: string
  checkpointSize: number | null
}

export function AuditPage() {
  const [action, setAction] = useState('')
  const [outcome, setOutcome] = useState('')
  const events = useQuery({
    queryKey: ['audit', action, outcome],
    queryFn: () => get<{ items: AuditEvent[] }>(`/api/v1/audit?limit=50${action === '' ? '' : `&action=${encodeURIComponent(action)}`}${outcome === '' ? '' : `&outcome=${outcome}`}`),
  })
  const verify = useQuery({ queryKey: ['audit', 'verify'], queryFn: () => get<Verification>('/api/v1/audit/verify'), enabled: false })
  const checkpoint = useQuery({ queryKey: ['audit', 'checkpoint'], queryFn: () => get<{ size: number; headHash: string; issuedAt: string }>('/api/v1/audit/checkpoints/latest').catch(() => null) })
  return (
    <>
      <h1>Audit</h1>
      <div className="actions">
        <Button onClick={() => void verify.refetch()} disabled={verify.isFetching}>
          Verify the log
        </Button>
        {verify.data !== undefined && (
          <span className={`badge ${verify.data.verified ? 'ok' : 'bad'}`} role="status">
            {verify.data.verified ? `Verified (${verify.data.checkedCount} events, ${verify.data.mode})` : 'Integrity check FAILED'}
          </span>
        )}
        <a className="btn btn-secondary" href="/api/v1/audit/export" download="audit.ndjson">
          Export NDJSON
        </a>
        {checkpoint.data != null && (
          <a className="btn btn-secondary" href={`/api/v1/audit/checkpoints/${checkpoint.data.size}`} download={`checkpoint-${checkpoint.data.size}.json`}>
            Download checkpoint #{checkpoint.data.size}
          </a>
        )}
      </div>
      {verify.isError && <Alert>{verify.error.message}</Alert>}
      <div className="filters" role="search">
        <Field label="Action" value={action} onChange={(e) => setAction(e.target.value)} placeholder="agent.created" />
        <Select label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          <option value="">Any</option>
          <option value="success">Success</option>
          <option value="failure">Failure</option>
        </Select>
      </div>
      <Table caption="Audit events, newest first" head={['#', 'When', 'Action', 'Actor', 'Outcome']}>
        {(events.data?.items ?? []).map((e) => (
          <tr key={e.eventId}>
            <td>{e.seq}</td>
            <td>{when(e.timestamp)}</td>
            <td>{e.action}</td>
            <td className="mono">{e.actor}</td>
            <td>{e.outcome}</td>
          </tr>
        ))}
      </Table>
    </>
  )
}
