/** An agent's keys (`private_key_jwt`): add a public JWK, or have the server generate a pair (private key shown once). */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { del, get, post } from '../api.js'
import { Alert, Button, SecretOnce, Table, when } from '../ui.js'

interface AgentKey {
  kid: string
  alg: string
  status: string
  createdAt: string
  privateJwk?: Record<string, string>
}

export function AgentKeys({ agentId, write }: { agentId: string; write: boolean }) {
  const queries = useQueryClient()
  const keys = useQuery({ queryKey: ['keys', agentId], queryFn: () => get<{ items: AgentKey[] }>(`/api/v1/agents/${agentId}/keys`) })
  const [privateJwk, setPrivateJwk] = useState<string>()
  const [error, setError] = useState<string>()
  const run = async (work: () => Promise<unknown>) => {
    setError(undefined)
    try {
      await work()
      await queries.invalidateQueries({ queryKey: ['keys', agentId] })
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Failed')
    }
  }
  const addJwk = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const text = String(new FormData(e.currentTarget).get('jwk') ?? '')
    void run(async () => {
      const publicJwk: unknown = JSON.parse(text)
      await post(`/api/v1/agents/${agentId}/keys`, { publicJwk })
    })
  }
  return (
    <>
      <h2>Keys</h2>
      {error !== undefined && <Alert>{error}</Alert>}
      {privateJwk !== undefined && <SecretOnce label="Private JWK of the generated key" value={privateJwk} />}
      <Table caption="Public keys (private_key_jwt, published in the DID document)" head={['Key id', 'Algorithm', 'Status', 'Created', ...(write ? ['Actions'] : [])]}>
        {(keys.data?.items ?? []).map((k) => (
          <tr key={k.kid}>
            <td className="mono">{k.kid}</td>
            <td>{k.alg}</td>
            <td>{k.status}</td>
            <td>{when(k.createdAt)}</td>
            {write && (
              <td>
                {k.status === 'active' && (
                  <Button variant="danger" onClick={() => void run(() => del(`/api/v1/agents/${agentId}/keys/${encodeURIComponent(k.kid)}`))}>
                    Remove
                  </Button>
                )}
              </td>
            )}
          </tr>
        ))}
      </Table>
      {write && (
        <div className="actions">
          <Button
            variant="secondary"
            onClick={() =>
              void run(async () => {
                const created = await post<AgentKey>(`/api/v1/agents/${agentId}/keys`, {})
                if (created.privateJwk !== undefined) setPrivateJwk(JSON.stringify(created.privateJwk))
              })
            }
          >
            Generate a key pair
          </Button>
          <form className="inline-form" onSubmit={addJwk}>
            <label htmlFor={`jwk-${agentId}`}>Public JWK</label>
            <input id={`jwk-${agentId}`} name="jwk" required placeholder='{"kty":"EC","crv":"P-256","x":"…","y":"…"}' />
            <Button type="submit" variant="secondary">
              Add public key
            </Button>
          </form>
        </div>
      )}
    </>
  )
}
