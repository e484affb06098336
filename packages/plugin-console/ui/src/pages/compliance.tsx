import { useQuery } from '@tanstack/react-query'
import { get } from '../api.js'
import { Alert, Table } from '../ui.js'

interface Control {
  id?: string
  controlId?: string
  title?: string
  name?: string
  status?: string
}

export function CompliancePage() {
  const controls = useQuery({ queryKey: ['compliance'], queryFn: () => get<{ items?: Control[]; controls?: Control[] }>('/api/v1/compliance/controls') })
  if (controls.isError) return <Alert>{controls.error.message}</Alert>
  const items = controls.data?.items ?? controls.data?.controls ?? []
  return (
    <>
      <h1>Compliance</h1>
      <Table caption="Controls" head={['Control', 'Title', 'Status']}>
        {items.map((c, i) => (
          <tr key={c.id ?? c.controlId ?? i}>
            <td className="mono">{c.id ?? c.controlId}</td>
            <td>{c.title ?? c.name}</td>
            <td>{c.status ?? '—'}</td>
          </tr>
        ))}
      </Table>
    </>
  )
}
