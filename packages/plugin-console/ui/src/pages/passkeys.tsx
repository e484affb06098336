import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { del, get, post, type SessionInfo } from '../api.js'
import { Alert, Button, Table, when } from '../ui.js'

interface Passkey {
  passkeyId: string
  name: string
  deviceType: string
  backedUp: boolean
  createdAt: string
  lastUsedAt: string | null
}

export function PasskeysPage({ session, onSignOutEverywhere }: { session: SessionInfo; onSignOutEverywhere: () => void }) {
  const queries = useQueryClient()
  const path = `/api/v1/operators/${session.operator.operatorId}/passkeys`
  const list = useQuery({ queryKey: ['passkeys'], queryFn: () => get<{ items: Passkey[] }>(path) })
  const [error, setError] = useState<string>()
  const run = async (work: () => Promise<unknown>) => {
    setError(undefined)
    try {
      await work()
      await queries.invalidateQueries({ queryKey: ['passkeys'] })
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Failed')
    }
  }
  const add = () =>
    run(async () => {
      const { ceremonyId, options } = await post<{ ceremonyId: string; options: PublicKeyCredentialCreationOptionsJSON }>('/console/api/passkeys/options')
      const response = await startRegistration({ optionsJSON: options })
      await post('/console/api/passkeys', { ceremonyId, response, name: `Passkey ${new Date().toLocaleDateString()}` })
    })
  const items = list.data?.items ?? []
  return (
    <>
      <h1>Your passkeys</h1>
      {error !== undefined && <Alert>{error}</Alert>}
      <Table caption="Passkeys that sign you in" head={['Name', 'Kind', 'Created', 'Last used', 'Actions']}>
        {items.map((p) => (
          <tr key={p.passkeyId}>
            <td>{p.name}</td>
            <td>{p.deviceType === 'multiDevice' ? `synced${p.backedUp ? ', backed up' : ''}` : 'this device only'}</td>
            <td>{when(p.createdAt)}</td>
            <td>{when(p.lastUsedAt)}</td>
            <td>
              {items.length > 1 && (
                <Button variant="danger" onClick={() => void run(() => del(`${path}/${p.passkeyId}`))}>
                  Remove
                </Button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <div className="actions">
        <Button onClick={() => void add()}>Add a passkey</Button>
        <Button variant="secondary" onClick={onSignOutEverywhere}>
          Sign out everywhere
        </Button>
      </div>
    </>
  )
}
