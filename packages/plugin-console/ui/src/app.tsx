/**
 * The console shell: hash routes, the session, the navigation (pages the operator's role and the
 * installed plugins allow), sign-in and invitation pages.
 */
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { ApiError, get, post, setCsrfToken, type SessionInfo } from './api.js'
import { AgentPage, AgentsPage } from './pages/agents.js'
import { AuditPage } from './pages/audit.js'
import { CompliancePage } from './pages/compliance.js'
import { DelegationsPage } from './pages/delegations.js'
import { OperatorsPage } from './pages/operators.js'
import { OverviewPage } from './pages/overview.js'
import { PasskeysPage } from './pages/passkeys.js'
import { PluginPage, PLUGIN_PAGES } from './pages/plugins.js'
import { Alert, Button, Field } from './ui.js'

function useHashRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '')
  const [route, setRoute] = useState(read)
  useEffect(() => {
    const onChange = () => setRoute(read())
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}

export const navigate = (path: string) => {
  window.location.hash = path
}

function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        const s = await get<SessionInfo>('/console/api/session')
        setCsrfToken(s.csrfToken)
        return s
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null
        throw err
      }
    },
  })
}

export function App() {
  const route = useHashRoute()
  const session = useSession()
  if (route[0] === 'invite' && route[1] !== undefined) return <InvitePage token={route[1]} />
  if (session.isPending) return <main className="center" aria-busy="true">Loading…</main>
  if (session.data === null || session.data === undefined) return <SignInPage />
  return <Shell session={session.data} route={route} />
}

function SignInPage() {
  const queries = useQueryClient()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const signIn = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const { ceremonyId, options } = await post<{ ceremonyId: string; options: PublicKeyCredentialRequestOptionsJSON }>('/console/api/sign-in/options')
      const response = await startAuthentication({ optionsJSON: options })
      const s = await post<SessionInfo>('/console/api/sign-in', { ceremonyId, response })
      setCsrfToken(s.csrfToken)
      queries.setQueryData(['session'], s)
      navigate('/')
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Sign-in failed')
    } finally {
      setBusy(false)
    }
  }
  return (
    <main className="center">
      <section className="card narrow" aria-labelledby="signin-title">
        <h1 id="signin-title">SentryAgent Console</h1>
        <p>Operators sign in with a passkey. There are no passwords.</p>
        {error !== undefined && <Alert>{error}</Alert>}
        <Button onClick={() => void signIn()} disabled={busy}>
          Sign in with a passkey
        </Button>
      </section>
    </main>
  )
}

function InvitePage({ token }: { token: string }) {
  const queries = useQueryClient()
  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => post<{ ceremonyId: string; options: PublicKeyCredentialCreationOptionsJSON; invitation: { email: string; role: string; kind: string } }>('/console/api/registration/options', { token }),
  })
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget)
    setBusy(true)
    setError(undefined)
    try {
      // Fresh options: a challenge is single-use and short-lived.
      const { ceremonyId, options } = await post<{ ceremonyId: string; options: PublicKeyCredentialCreationOptionsJSON }>('/console/api/registration/options', { token })
      const response = await startRegistration({ optionsJSON: options })
      const email = String(form.get('email') ?? '')
      const s = await post<SessionInfo>('/console/api/registration', {
        ceremonyId,
        token,
        response,
        displayName: String(form.get('displayName')),
        ...(email === '' ? {} : { email }),
        passkeyName: 'First passkey',
      })
      setCsrfToken(s.csrfToken)
      queries.setQueryData(['session'], s)
      navigate('/')
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Registration failed')
    } finally {
      setBusy(false)
    }
  }
  if (invitation.isPending) return <main className="center" aria-busy="true">Checking the link…</main>
  if (invitation.isError) {
    return (
      <main className="center">
        <section className="card narrow">
          <h1>Invitation</h1>
          <Alert>{invitation.error.message}</Alert>
          <a href="#/">Go to sign-in</a>
        </section>
      </main>
    )
  }
  const inv = invitation.data.invitation
  const setup = inv.kind === 'setup'
  return (
    <main className="center">
      <form className="card narrow" onSubmit={(e) => void submit(e)} aria-labelledby="invite-title">
        <h1 id="invite-title">{setup ? 'Set up the platform owner' : 'Join as ' + inv.role}</h1>
        <p>{setup ? 'This one-time link creates the first operator. Register a passkey on this device.' : `You were invited as ${inv.email}. Register a passkey to continue.`}</p>
        {error !== undefined && <Alert>{error}</Alert>}
        <Field label="Display name" name="displayName" required maxLength={100} autoComplete="name" />
        {setup && <Field label="Email" name="email" type="email" required autoComplete="email" />}
        <Button type="submit" disabled={busy}>
          Create passkey
        </Button>
      </form>
    </main>
  )
}

interface NavItem {
  path: string
  label: string
  show: boolean
}

function Shell({ session, route }: { session: SessionInfo; route: string[] }) {
  const queries = useQueryClient()
  const scopes = new Set(session.operator.scopes)
  const items: NavItem[] = [
    { path: '', label: 'Overview', show: true },
    { path: 'agents', label: 'Agents', show: scopes.has('agents:read') },
    { path: 'delegations', label: 'Delegations', show: scopes.has('agents:read') },
    { path: 'audit', label: 'Audit', show: scopes.has('audit:read') },
    { path: 'compliance', label: 'Compliance', show: scopes.has('audit:read') },
    ...PLUGIN_PAGES.map((p) => ({ path: `plugins/${p.id}`, label: p.label, show: session.features.includes(p.id) && scopes.has(p.scope) })),
    { path: 'operators', label: 'Operators', show: scopes.has('operators:read') },
    { path: 'passkeys', label: 'Passkeys', show: true },
  ]
  const current = route.join('/')
  const signOut = async (everywhere: boolean) => {
    await post('/console/api/sign-out', { everywhere })
    queries.setQueryData(['session'], null)
    queries.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' })
    navigate('/')
  }
  let page: ReactNode
  switch (route[0]) {
    case undefined:
      page = <OverviewPage session={session} />
      break
    case 'agents':
      page = route[1] === undefined ? <AgentsPage session={session} /> : <AgentPage session={session} agentId={route[1]} />
      break
    case 'delegations':
      page = <DelegationsPage session={session} />
      break
    case 'audit':
      page = <AuditPage />
      break
    case 'compliance':
      page = <CompliancePage />
      break
    case 'operators':
      page = <OperatorsPage session={session} />
      break
    case 'passkeys':
      page = <PasskeysPage session={session} onSignOutEverywhere={() => void signOut(true)} />
      break
    case 'plugins':
      page = <PluginPage id={route[1] ?? ''} session={session} />
      break
    default:
      page = <p>Not found.</p>
  }
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">SentryAgent Console</span>
        <span className="who">
          {session.operator.displayName} · <span className="badge">{session.operator.role}</span>
        </span>
        <Button variant="secondary" onClick={() => void signOut(false)}>
          Sign out
        </Button>
      </header>
      <nav aria-label="Main">
        <ul>
          {items
            .filter((i) => i.show)
            .map((i) => (
              <li key={i.path}>
                <a href={`#/${i.path}`} aria-current={(current === i.path || (i.path !== '' && current.startsWith(i.path + '/'))) ? 'page' : undefined}>
                  {i.label}
                </a>
              </li>
            ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </div>
  )
}
