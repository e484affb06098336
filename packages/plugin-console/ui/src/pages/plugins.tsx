/** Pages of optional plugins: shown only when the server advertises the plugin (and the role reads it). */
import { useQuery } from '@tanstack/react-query'
import { get } from '../api.js'
import { Alert } from '../ui.js'

export const PLUGIN_PAGES = [
  { id: 'webhooks', label: 'Webhooks', scope: 'webhooks:read', path: '/api/v1/webhooks' },
  { id: 'analytics', label: 'Analytics', scope: 'analytics:read', path: '/api/v1/analytics/tokens' },
  { id: 'billing', label: 'Plan & usage', scope: 'billing:read', path: '/api/v1/billing/usage' },
  { id: 'federation', label: 'Federation', scope: 'agents:read', path: '/api/v1/federation/trust-policies' },
] as const

export function PluginPage({ id }: { id: string }) {
  const page = PLUGIN_PAGES.find((p) => p.id === id)
  const data = useQuery({ queryKey: ['plugin', id], queryFn: () => get<unknown>(page?.path ?? '/'), enabled: page !== undefined })
  if (page === undefined) return <p>Not found.</p>
  return (
    <>
      <h1>{page.label}</h1>
      {data.isError && <Alert>{data.error.message}</Alert>}
      {data.data !== undefined && (
        <pre className="json" tabIndex={0}>
          {JSON.stringify(data.data, null, 2)}
        </pre>
      )}
    </>
  )
}
