import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { can, del, get, patch, post, type Operator, type SessionInfo } from '../api.js'
import { Alert, Button, Field, SecretOnce, Select, Table, when } from '../ui.js'

const RANK = { owner: 0, admin: 1, member: 2, viewer: 3 } as const
type Role = keyof typeof RANK

interface Invitation {
  invitationId: string
  email: string
  role: Role
  expiresAt: string
  expired: boolean
}

interface Organization {
  organizationId: string
  name: string
  slug: string
}

/** Roles this operator may give: never above its own, owners only by owners (the server checks too). */
const grantable = (own: Role): Role[] => (Object.keys(RANK) as Role[]).filter((r) => (r === 'owner' ? own === 'owner' : RANK[own] <= RANK[r]))

export function OperatorsPage({ session }: { session: SessionInfo }) {
  const queries = useQueryClient()
  // A platform owner (admin:orgs) manages the operators of every organization; others their own.
  const platformAdmin = can(session, 'admin:orgs')
  const [organizationId, setOrganizationId] = useState(session.operator.organizationId)
  const organizations = useQuery({
    queryKey: ['organizations', 'all'],
    queryFn: () => get<{ items: Organization[] }>('/api/v1/organizations?limit=100'),
    enabled: platformAdmin,
  })
  const scope = `?organizationId=${encodeURIComponent(organizationId)}`
  const operators = useQuery({ queryKey: ['operators', organizationId], queryFn: () => get<{ items: Operator[] }>(`/api/v1/operators${scope}`) })
  const invitations = useQuery({ queryKey: ['invitations', organizationId], queryFn: () => get<{ items: Invitation[] }>(`/api/v1/operators/invitations${scope}`) })
  const [link, setLink] = useState<string>()
  const [error, setError] = useState<string>()
  const write = can(session, 'operators:write')
  const roles = grantable(session.operator.role)
  const refresh = () => Promise.all([queries.invalidateQueries({ queryKey: ['operators'] }), queries.invalidateQueries({ queryKey: ['invitations'] })])
  const run = async (work: () => Promise<unknown>) => {
    setError(undefined)
    try {
      await work()
      await refresh()
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Failed')
    }
  }
  const invite = useMutation({
    mutationFn: (body: { email: string; role: Role }) => post<{ link: string }>('/api/v1/operators/invitations', { ...body, organizationId }),
    onSuccess: async (r) => {
      setLink(r.link)
      await refresh()
    },
    onError: (e) => setError(e.message),
  })
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    invite.mutate({ email: String(f.get('email')), role: String(f.get('role')) as Role })
    e.currentTarget.reset()
  }
  const manageable = (o: Operator) => write && o.operatorId !== session.operator.operatorId && roles.includes(o.role)
  return (
    <>
      <h1>Operators</h1>
      {error !== undefined && <Alert>{error}</Alert>}
      {platformAdmin && (
        <Select
          label="Organization"
          value={organizationId}
          onChange={(e) => {
            setLink(undefined)
            setOrganizationId(e.target.value)
          }}
        >
          {(organizations.data?.items ?? [{ organizationId, name: 'This organization', slug: '' }]).map((o) => (
            <option key={o.organizationId} value={o.organizationId}>
              {o.slug === '' ? o.name : `${o.name} (${o.slug})`}
            </option>
          ))}
        </Select>
      )}
      <Table caption="Operators of the organization" head={['Name', 'Email', 'Role', 'Status', ...(write ? ['Actions'] : [])]}>
        {(operators.data?.items ?? []).map((o) => (
          <tr key={o.operatorId}>
            <td>{o.displayName}</td>
            <td>{o.email}</td>
            <td>
              {manageable(o) ? (
                <Select label={`Role of ${o.displayName}`} className="inline" value={o.role} onChange={(e) => void run(() => patch(`/api/v1/operators/${o.operatorId}`, { role: e.target.value }))}>
                  {roles.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </Select>
              ) : (
                <span className="badge">{o.role}</span>
              )}
            </td>
            <td>{o.status}</td>
            {write && (
              <td>
                {manageable(o) && (
                  <Button variant="danger" onClick={() => void (window.confirm(`Remove ${o.email}?`) && run(() => del(`/api/v1/operators/${o.operatorId}`)))}>
                    Remove
                  </Button>
                )}
              </td>
            )}
          </tr>
        ))}
      </Table>
      <h2>Pending invitations</h2>
      <Table caption="Invitations not yet used" head={['Email', 'Role', 'Expires', ...(write ? ['Actions'] : [])]}>
        {(invitations.data?.items ?? []).map((i) => (
          <tr key={i.invitationId}>
            <td>{i.email}</td>
            <td>{i.role}</td>
            <td>{i.expired ? 'expired' : when(i.expiresAt)}</td>
            {write && (
              <td>
                <Button variant="secondary" onClick={() => void run(() => del(`/api/v1/operators/invitations/${i.invitationId}`))}>
                  Revoke
                </Button>
              </td>
            )}
          </tr>
        ))}
      </Table>
      {write && (
        <form className="card" onSubmit={submit} aria-labelledby="invite-form-title">
          <h2 id="invite-form-title">Invite an operator</h2>
          {link !== undefined && <SecretOnce label="One-time invitation link (24 h)" value={link} />}
          <div className="grid">
            <Field label="Email" name="email" type="email" required />
            <Select label="Role" name="role" defaultValue="viewer">
              {roles.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </Select>
          </div>
          <Button type="submit" disabled={invite.isPending}>
            Create invitation link
          </Button>
        </form>
      )}
    </>
  )
}
