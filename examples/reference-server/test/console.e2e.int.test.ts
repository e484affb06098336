/**
 * The console end to end in a real browser: Debian's Chromium through playwright-core, the
 * DevTools Protocol's virtual authenticator (ctap2, internal, resident keys, user verification)
 * holding the passkeys. Setup link → register a passkey → sign out → sign in → the README
 * walk-through through the UI (agent, credential shown once, rotate, revoke, audit verify) →
 * invite a viewer → the viewer sees no write controls and direct API writes are refused. On the
 * way, every write action of the plugin pages is clicked and its effect asserted: webhooks (ping to a
 * local receiver, redeliver with the rotated secret, pause, resume, delete), delegations (a chain
 * created over the API, revoked in the UI), federation (a trust policy, a partner IdP whose JWKS a
 * local server serves); and an owner of a free organization upgrades through the Stripe stand-in.
 * Screenshots of every page go to `test-output/console/`; axe-core finds no serious violation;
 * pages fit 375 px; the page makes no request outside its own origin (Stripe's hosted pages are
 * answered by the test itself).
 */
import { createHmac } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { STRIPE_API_VERSION } from '@sentryagent/plugin-billing'
import { exportJWK, generateKeyPair } from 'jose'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build, type ReferenceServer } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { ADMIN_ID, ADMIN_SECRET, MASTER_KEY, api, freePort, provisionTenant } from './harness.js'
import { startStripeStandIn, type StripeStandIn } from './stripe-stand-in.js'

const CHROMIUM = '/usr/bin/chromium'
const OUT = new URL('../test-output/console/', import.meta.url).pathname
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
// With CI=true a missing browser fails the suite (.ci/run installs it); elsewhere the suite is skipped.
const haveBrowser = existsSync(CHROMIUM) || process.env['CI'] === 'true'
/** Stripe's hosted pages: the browser goes there, the test answers (nothing leaves the machine). */
const STRIPE_HOSTED = /^https:\/\/(checkout|billing)\.stripe\.com\//

interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/**
 * The outside world on 127.0.0.1: a webhook receiver (`/hooks`, records each request, 204) and a
 * partner IdP's JWKS (`/jwks.json`).
 */
async function startOutside(jwks: object) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      if (req.url === '/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
        return
      }
      received.push({ path: req.url ?? '', headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Standard Webhooks: one of the `v1,` signatures is the HMAC of `id.timestamp.body` under `secret`. */
function signedWith(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const expected = createHmac('sha256', key).update(`${String(r.headers['webhook-id'])}.${String(r.headers['webhook-timestamp'])}.${r.body}`).digest('base64')
  return String(r.headers['webhook-signature']).split(' ').includes(`v1,${expected}`)
}

describe.skipIf(!haveBrowser)('the console in Chromium', () => {
  let server: ReferenceServer
  let dataDir: string
  let origin: string
  let apiBase: string
  let browser: Browser
  let stripe: StripeStandIn
  let outside: Awaited<ReturnType<typeof startOutside>>
  let adminToken: string
  const requests: string[] = []

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    // Stripe's hosted pages, answered here: the URL the console sent the browser to is the assertion.
    await context.route(STRIPE_HOSTED, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Stripe stand-in</title><h1>Stripe stand-in</h1>' }))
    const page = await context.newPage()
    page.on('request', (r) => requests.push(r.url()))
    page.on('dialog', (d) => void d.accept())
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })
    return { context, page }
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true })

  /** At 375 px the page scrolls vertically only (wide tables scroll inside their own box). */
  async function fitsNarrow(page: Page, name: string) {
    const size = page.viewportSize()
    await page.setViewportSize({ width: 375, height: 800 })
    const overflow = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement
      return doc.scrollWidth - doc.clientWidth
    })
    expect(overflow, `${name} overflows at 375 px`).toBeLessThanOrEqual(0)
    await shot(page, `${name}-375`)
    await axe(page, `${name} at 375 px`)
    if (size !== null) await page.setViewportSize(size)
  }

  async function axe(page: Page, name: string) {
    await page.evaluate(axeSource)
    const result = await page.evaluate(async () => {
      // Runs in the page (the test's tsconfig has no DOM types).
      const page = globalThis as unknown as { document: unknown; axe: { run(ctx: unknown, o: object): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }
      return page.axe.run(page.document, { resultTypes: ['violations'] })
    })
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(serious.map((v) => `${name}: ${v.id} (${v.nodes.length})`)).toEqual([])
  }

  beforeAll(async () => {
    await rm(OUT, { recursive: true, force: true })
    await mkdir(OUT, { recursive: true })
    dataDir = await mkdtemp(join(tmpdir(), 'agentidp-e2e-'))
    const { publicKey } = await generateKeyPair('ES256')
    outside = await startOutside({ keys: [{ ...(await exportJWK(publicKey)), kid: 'partner-1', alg: 'ES256', use: 'sig' }] })
    stripe = await startStripeStandIn({ apiVersion: STRIPE_API_VERSION })
    const port = await freePort()
    // WebAuthn needs a host name (not an IP address) in a secure context: http://localhost is one.
    origin = `http://localhost:${port}`
    apiBase = `http://127.0.0.1:${port}`
    const config = loadConfig({
      PORT: String(port),
      ISSUER: origin,
      DATA_DIR: dataDir,
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: ADMIN_ID,
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: ADMIN_SECRET,
      SENTRYAGENT_MASTER_KEY: MASTER_KEY,
      LOG_LEVEL: 'silent',
      // Billing against the local Stripe stand-in: nothing leaves the machine.
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_PRICE_PRO: 'price_pro',
      STRIPE_PRICE_ENTERPRISE: 'price_enterprise',
      STRIPE_API_BASE: stripe.url,
      STRIPE_SUCCESS_URL: `${origin}/console/#/plugins/billing`,
      STRIPE_CANCEL_URL: `${origin}/console/#/plugins/billing`,
      TIER_ENFORCEMENT: 'false',
      // The webhook receiver and the partner's JWKS are on 127.0.0.1 (development settings, tests only).
      WEBHOOKS_ALLOW_PRIVATE_URLS: 'true',
      FEDERATION_ALLOW_INSECURE_LOCALHOST: 'true',
    })
    server = await build(config, { logger: pino({ level: 'silent' }) })
    await server.app.listen({ port, host: '127.0.0.1' })
    adminToken = await api(apiBase).token(ADMIN_ID, ADMIN_SECRET)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.app.close()
    await stripe?.close()
    await outside?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('runs the walk-through: setup link, passkeys, agents, credentials, audit, a viewer without write controls', async () => {
    const link = (await readFile(join(dataDir, 'console-setup-link.txt'), 'utf8')).trim()
    const { context, page } = await newPage()
    page.on('console', (m) => requests.push(`console: ${m.type()} ${m.text()}`))
    page.on('pageerror', (e) => requests.push(`console: uncaught ${e.message}`))
    try {
      await walkthrough(link, context, page)
    } catch (err) {
      await shot(page, 'failure')
      throw new Error(`${err instanceof Error ? String(err.stack) : String(err)}\n${requests.filter((r) => r.startsWith('console:')).join('\n')}`)
    }
  }, 300_000)

  async function walkthrough(link: string, context: BrowserContext, page: Page) {

    // Setup link → the platform owner's passkey → signed in.
    await page.goto(link)
    await page.getByLabel('Display name').fill('Root Operator')
    await page.getByLabel('Email').fill('root@example.com')
    await shot(page, '01-setup')
    await page.getByRole('button', { name: 'Create passkey' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.getByText('Root Operator').waitFor()
    await shot(page, '02-overview')
    await axe(page, 'overview')

    // Sign out, sign in again with the passkey.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor()
    await shot(page, '03-sign-in')
    await axe(page, 'sign-in')
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()

    // Register an agent.
    await page.getByRole('link', { name: 'Agents' }).click()
    await page.getByLabel('Name', { exact: true }).fill('invoice-bot')
    await page.getByLabel('Owner').fill('finance')
    await page.getByLabel('Scopes (space separated, optional)').fill('agents:read')
    await page.getByRole('button', { name: 'Register agent' }).click()
    await page.getByRole('link', { name: 'invoice-bot' }).waitFor()
    await shot(page, '04-agents')
    await axe(page, 'agents')

    // A credential: the secret shown once; rotate (a new secret); revoke.
    await page.getByRole('link', { name: 'invoice-bot' }).click()
    await page.getByRole('button', { name: 'Create credential' }).click()
    const first = await page.getByTestId('secret').textContent()
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await shot(page, '05-credential-created')
    await axe(page, 'agent')
    await page.getByRole('button', { name: 'Rotate' }).click()
    await expect.poll(() => page.getByTestId('secret').textContent(), { timeout: 20_000 }).not.toBe(first)
    await page.getByRole('button', { name: 'Revoke' }).click()
    await page.getByRole('cell', { name: 'revoked' }).waitFor()
    // A key pair generated by the server: the private JWK shown once, the key listed.
    await page.getByRole('button', { name: 'Generate a key pair' }).click()
    await page.getByText('Private JWK of the generated key').waitFor()
    await page.getByRole('cell', { name: 'ES256' }).waitFor()
    await page.getByRole('button', { name: 'DID document' }).click()
    await page.getByText('"@context"').waitFor()
    await shot(page, '06-agent')

    // Audit: verify the chain; the console's own actions are there, by operator.
    await page.getByRole('link', { name: 'Audit' }).click()
    await page.getByRole('button', { name: 'Verify the log' }).click()
    await page.getByText(/^Verified \(/).waitFor()
    await page.getByRole('cell', { name: 'credential.revoked' }).first().waitFor()
    await shot(page, '07-audit')
    await axe(page, 'audit')

    await page.getByRole('link', { name: 'Compliance' }).click()
    await page.getByRole('heading', { name: 'Compliance' }).waitFor()
    await shot(page, '08-compliance')

    // Invite a viewer.
    await page.getByRole('link', { name: 'Operators' }).click()
    await page.getByLabel('Email').fill('viewer@example.com')
    await page.getByLabel('Role', { exact: true }).selectOption('viewer')
    await page.getByRole('button', { name: 'Create invitation link' }).click()
    const inviteLink = String(await page.getByTestId('secret').textContent())
    expect(inviteLink).toContain('/console/#/invite/')
    await shot(page, '09-operators')
    await axe(page, 'operators')

    await page.getByRole('link', { name: 'Passkeys' }).click()
    await page.getByRole('cell', { name: 'First passkey' }).waitFor()
    await shot(page, '10-passkeys')
    await axe(page, 'passkeys')

    // Delegations (core): a chain created over the API (agent to agent), revoked in the console.
    const errorsBefore = requests.filter((r) => r.startsWith('console: error') || r.startsWith('console: uncaught')).length
    const chain = await delegationOverApi()
    await page.getByRole('link', { name: 'Delegations' }).click()
    await page.getByRole('heading', { name: 'Delegations' }).waitFor()
    const chainRow = page.getByRole('row').filter({ hasText: chain.chainId })
    await chainRow.getByText('active', { exact: true }).waitFor()
    await page.getByLabel('Chain id').fill(chain.chainId)
    await page.getByRole('button', { name: 'Revoke chain' }).click()
    await page.getByText(`Chain ${chain.chainId} revoked, with its sub-delegations.`).waitFor()
    await chainRow.getByText('revoked', { exact: true }).waitFor()
    expect(await chainRow.getByRole('button', { name: 'Revoke' }).count()).toBe(0)
    await page.getByLabel('Delegation token').fill(chain.delegationToken)
    await page.getByRole('button', { name: 'Verify', exact: true }).click()
    await page.getByText('Not valid (revoked)').waitFor()
    // The server agrees: the delegation token is dead for its own delegator too.
    expect((await api(apiBase).call('POST', '/api/v1/oauth2/token/verify-delegation', chain.delegatorToken, { delegationToken: chain.delegationToken })).body).toMatchObject({ valid: false })
    await shot(page, '13-delegations')
    await axe(page, 'delegations')
    await fitsNarrow(page, '13-delegations')

    const features = await page.evaluate(async () => ((await (await fetch('/console/api/session')).json()) as { features: string[] }).features)
    expect(features).toEqual(expect.arrayContaining(['webhooks', 'analytics', 'billing', 'federation']))

    // Webhooks: a subscription to the local receiver (its secret shown once) → ping, delivered and
    // signed with that secret → rotate the secret (the new one shown once) → redeliver: the same
    // webhook-id again, signed with the new secret → pause, resume → delete.
    await page.getByRole('link', { name: 'Webhooks' }).click()
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor()
    const hookUrl = `${outside.base}/hooks`
    await page.getByLabel('Endpoint URL').fill(hookUrl)
    await page.getByRole('button', { name: 'Create subscription' }).click()
    await page.getByText(`Signing secret of ${hookUrl}`).waitFor()
    const secret1 = String(await page.getByTestId('secret').textContent())
    expect(secret1).toMatch(/^whsec_/)
    const sub = page.getByRole('row').filter({ hasText: hookUrl })
    const pings = () => outside.received.filter((r) => r.path === '/hooks' && r.body.includes('"webhook.ping"'))
    await sub.getByRole('button', { name: 'Ping' }).click()
    await page.getByText(`Ping queued for ${hookUrl}.`).waitFor()
    const pingRow = page.getByRole('row').filter({ hasText: 'webhook.ping' })
    await pingRow.getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 })
    expect(pings()).toHaveLength(1)
    expect(signedWith(secret1, pings()[0] as Received)).toBe(true)
    await sub.getByRole('button', { name: 'Rotate secret' }).click()
    await page.getByText(`New signing secret of ${hookUrl}`).waitFor()
    await page.getByText(/The previous secret keeps signing until/).waitFor()
    const secret2 = String(await page.getByTestId('secret').textContent())
    expect(secret2).toMatch(/^whsec_/)
    expect(secret2).not.toBe(secret1)
    await pingRow.getByRole('button', { name: 'Redeliver' }).click()
    await page.getByText(/ queued again\.$/).waitFor()
    await expect.poll(() => pings().length, { timeout: 30_000 }).toBe(2)
    const [firstPing, again] = pings() as [Received, Received]
    expect(again.headers['webhook-id']).toBe(firstPing.headers['webhook-id'])
    expect(signedWith(secret2, again)).toBe(true)
    await pingRow.getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 })
    await shot(page, '14-webhooks')
    await axe(page, 'webhooks')
    await fitsNarrow(page, '14-webhooks')
    await sub.getByRole('button', { name: 'Pause' }).click()
    await sub.getByRole('cell', { name: 'paused', exact: true }).waitFor()
    await sub.getByRole('button', { name: 'Resume' }).click()
    await sub.getByRole('cell', { name: 'active', exact: true }).waitFor()
    await sub.getByRole('button', { name: 'Delete' }).click()
    await page.getByText(`Subscription to ${hookUrl} deleted.`).waitFor()
    await sub.waitFor({ state: 'detached' })
    expect((await api(apiBase).call('GET', '/api/v1/webhooks', adminToken)).body?.['items']).toEqual([])
    // One subscription stays, for the viewer to see (without its controls).
    await page.getByLabel('Endpoint URL').fill(`${outside.base}/kept`)
    await page.getByRole('button', { name: 'Create subscription' }).click()
    await page.getByRole('cell', { name: `${outside.base}/kept` }).waitFor()

    await page.getByRole('link', { name: 'Analytics' }).click()
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor()
    await page.getByRole('img', { name: /^Tokens issued per day/ }).waitFor()
    await page.getByRole('cell', { name: 'Tokens issued' }).waitFor()
    await shot(page, '14-analytics')
    await axe(page, 'analytics')

    // The platform organization is on enterprise: its usage shows, no Upgrade (the tenant test upgrades).
    await page.getByRole('link', { name: 'Plan & usage' }).click()
    await page.getByRole('heading', { name: 'Plan & usage', level: 1 }).waitFor()
    await page.getByRole('cell', { name: 'Tokens today' }).waitFor()
    expect(await page.getByRole('button', { name: 'Upgrade' }).count()).toBe(0)
    await shot(page, '14-billing')
    await axe(page, 'billing')

    // Federation: a trust policy for invoice-bot; a partner IdP — a JWKS URL serving nothing is
    // refused, the partner's real JWKS is fetched and accepted — then suspended and reactivated.
    await page.getByRole('link', { name: 'Federation' }).click()
    await page.getByRole('heading', { name: 'Federation', level: 1 }).waitFor()
    await page.getByLabel('Policy name').fill('deploy from main')
    await page.getByLabel('Issuer', { exact: true }).fill('https://token.actions.githubusercontent.com')
    await page.getByLabel('Claim value (* for a glob)').fill('repo:acme/app:ref:refs/heads/main')
    const bot = String(await page.getByRole('option', { name: /^invoice-bot / }).getAttribute('value'))
    await page.getByLabel('Agent', { exact: true }).selectOption(bot)
    await page.getByLabel('Scopes (space separated, optional)').fill('agents:read')
    await page.getByRole('button', { name: 'Create policy' }).click()
    const policyRow = page.getByRole('row').filter({ hasText: 'deploy from main' })
    await policyRow.getByRole('cell', { name: bot }).waitFor()
    await page.getByLabel('Partner name').fill('Partner IdP')
    await page.getByLabel('Partner issuer').fill(`${outside.base}/idp`)
    await page.getByLabel('JWKS URL', { exact: true }).fill(`${outside.base}/nothing.json`)
    await page.getByLabel('Allowed organization ids (space separated)').fill('org-partner-1 org-partner-2')
    await page.getByRole('button', { name: 'Register partner' }).click()
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('row').filter({ hasText: 'Partner IdP' }).count()).toBe(0)
    await page.getByLabel('JWKS URL', { exact: true }).fill(`${outside.base}/jwks.json`)
    await page.getByRole('button', { name: 'Register partner' }).click()
    const partnerRow = page.getByRole('row').filter({ hasText: 'Partner IdP' })
    await partnerRow.getByText('active', { exact: true }).waitFor()
    await partnerRow.getByRole('button', { name: 'Suspend' }).click()
    await partnerRow.getByText('suspended', { exact: true }).waitFor()
    const partners = (await api(apiBase).call('GET', '/api/v1/federation/partners', adminToken)).body?.['items'] as { issuer: string; status: string; allowedOrganizations: string[] }[]
    expect(partners).toEqual([expect.objectContaining({ issuer: `${outside.base}/idp`, status: 'suspended', allowedOrganizations: ['org-partner-1', 'org-partner-2'] })])
    await partnerRow.getByRole('button', { name: 'Reactivate' }).click()
    await partnerRow.getByText('active', { exact: true }).waitFor()
    await partnerRow.getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel('Allowed organization ids (space separated)').first().fill('org-partner-3')
    await page.getByRole('button', { name: 'Save partner' }).click()
    await partnerRow.getByRole('cell', { name: 'org-partner-3', exact: true }).waitFor()
    await page.getByLabel('Token of a partner or trusted issuer').fill('x.y.z')
    await page.getByRole('button', { name: 'Verify token' }).click()
    await page.getByText('Not valid (malformed)').waitFor()
    await shot(page, '14-federation')
    await axe(page, 'federation')
    await fitsNarrow(page, '14-federation')
    // A second partner, removed again: its row goes, and the server has only the first.
    await page.getByLabel('Partner name').fill('Short-lived IdP')
    await page.getByLabel('Partner issuer').fill(`${outside.base}/idp-2`)
    await page.getByLabel('JWKS URL', { exact: true }).fill(`${outside.base}/jwks.json`)
    await page.getByLabel('Allowed organization ids (space separated)').last().fill('org-partner-9')
    await page.getByRole('button', { name: 'Register partner' }).click()
    const shortLived = page.getByRole('row').filter({ hasText: 'Short-lived IdP' })
    await shortLived.getByRole('button', { name: 'Remove' }).click()
    await shortLived.waitFor({ state: 'detached' })
    const left = (await api(apiBase).call('GET', '/api/v1/federation/partners', adminToken)).body?.['items'] as { issuer: string; allowedOrganizations: string[] }[]
    expect(left).toEqual([expect.objectContaining({ issuer: `${outside.base}/idp`, allowedOrganizations: ['org-partner-3'] })])
    expect(requests.filter((r) => r.startsWith('console: error') || r.startsWith('console: uncaught')).slice(errorsBefore)).toEqual(
      // The refused partner registration answers 422, which the browser logs.
      [expect.stringMatching(/^console: error Failed to load resource: the server responded with a status of 422/)],
    )

    // Narrow screens: the same pages stay usable at 375 px.
    await page.setViewportSize({ width: 375, height: 800 })
    await page.getByRole('link', { name: 'Agents' }).click()
    await page.getByRole('link', { name: 'invoice-bot' }).waitFor()
    await shot(page, '11-agents-375')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor()
    await context.close()

    // The viewer, in another browser profile with its own authenticator.
    const viewer = await newPage()
    await viewer.page.goto(inviteLink)
    await viewer.page.getByRole('heading', { name: 'Join as viewer' }).waitFor()
    await viewer.page.getByLabel('Display name').fill('Vera Viewer')
    await viewer.page.getByRole('button', { name: 'Create passkey' }).click()
    await viewer.page.getByRole('heading', { name: 'Overview' }).waitFor()
    await viewer.page.getByRole('link', { name: 'Agents' }).click()
    await viewer.page.getByRole('link', { name: 'invoice-bot' }).waitFor()
    expect(await viewer.page.getByRole('button', { name: 'Register agent' }).count()).toBe(0)
    await viewer.page.getByRole('link', { name: 'invoice-bot' }).click()
    await viewer.page.getByRole('heading', { name: 'invoice-bot' }).waitFor()
    for (const name of ['Create credential', 'Suspend', 'Decommission', 'Rotate', 'Revoke', 'Generate a key pair', 'Add public key', 'Remove']) {
      expect(await viewer.page.getByRole('button', { name }).count(), name).toBe(0)
    }
    await shot(viewer.page, '12-viewer-agent')
    await viewer.page.getByRole('link', { name: 'Delegations' }).click()
    await viewer.page.getByRole('heading', { name: 'Delegations' }).waitFor()
    expect(await viewer.page.getByRole('button', { name: 'Revoke chain' }).count()).toBe(0)
    await viewer.page.getByRole('link', { name: 'Webhooks' }).click()
    await viewer.page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor()
    await viewer.page.getByRole('cell', { name: `${outside.base}/kept` }).waitFor()
    for (const name of ['Create subscription', 'Ping', 'Pause', 'Rotate secret', 'Delete']) {
      expect(await viewer.page.getByRole('button', { name }).count(), name).toBe(0)
    }
    await viewer.page.getByRole('button', { name: 'Deliveries' }).click()
    await viewer.page.getByRole('heading', { name: 'Deliveries' }).waitFor()
    expect(await viewer.page.getByRole('button', { name: 'Redeliver' }).count()).toBe(0)
    await viewer.page.getByRole('link', { name: 'Federation' }).click()
    await viewer.page.getByRole('cell', { name: 'deploy from main' }).waitFor()
    // Partners need admin:orgs: the viewer has no section, and no policy controls.
    expect(await viewer.page.getByRole('heading', { name: 'Partner IdPs' }).count()).toBe(0)
    for (const name of ['Create policy', 'Register partner', 'Delete']) {
      expect(await viewer.page.getByRole('button', { name }).count(), name).toBe(0)
    }
    await shot(viewer.page, '12-viewer-federation')
    await viewer.page.getByRole('link', { name: 'Plan & usage' }).click()
    await viewer.page.getByRole('cell', { name: 'Tokens today' }).waitFor()
    expect(await viewer.page.getByRole('button', { name: 'Manage subscription' }).count()).toBe(0)
    // Direct API writes from the viewer's session are refused by the server anyway.
    const refused = await viewer.page.evaluate(async (hook) => {
      const s = (await (await fetch('/console/api/session')).json()) as { csrfToken: string }
      const write = async (method: string, path: string, body?: unknown) =>
        (
          await fetch(path, {
            method,
            headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          })
        ).status
      return [
        await write('POST', '/api/v1/agents', { name: 'sneaky', agentType: 'custom', version: '1.0.0', capabilities: ['x:y'], owner: 'v', deploymentEnv: 'development' }),
        await write('POST', '/api/v1/webhooks', { url: hook, events: ['agent.created'] }),
        await write('POST', '/api/v1/federation/partners', { name: 'p', issuer: 'https://idp.sneaky.example', jwksUri: 'https://idp.sneaky.example/jwks', allowedOrganizations: ['x'] }),
        await write('POST', '/api/v1/tiers/upgrade', { targetTier: 'pro' }),
      ]
    }, `${outside.base}/sneaky`)
    expect(refused).toEqual([403, 403, 403, 403])
    await viewer.context.close()

    // Nothing was fetched from anywhere but the console's own origin.
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('console:'))).toEqual([])
  }

  /** Two agents of the platform organization; the first delegates `agents:read` to the second. */
  async function delegationOverApi() {
    const http = api(apiBase)
    const agent = async (name: string, scopes: string[]) => {
      const created = await http.call('POST', '/api/v1/agents', adminToken, { name, agentType: 'orchestrator', version: '1.0.0', capabilities: [], owner: 'e2e', deploymentEnv: 'production', scopes })
      expect(created.status).toBe(201)
      const agentId = String(created.body?.['agentId'])
      const cred = await http.call('POST', `/api/v1/agents/${agentId}/credentials`, adminToken, {})
      return { agentId, token: await http.token(String(cred.body?.['clientId']), String(cred.body?.['clientSecret'])) }
    }
    const delegator = await agent('planner', ['agents:read', 'delegation:write'])
    const delegatee = await agent('worker', ['agents:read'])
    const d = await http.call('POST', '/api/v1/oauth2/token/delegate', delegator.token, { delegateeAgentId: delegatee.agentId, scopes: ['agents:read'], ttlSeconds: 900 })
    expect(d.status, JSON.stringify(d.body)).toBe(201)
    return { chainId: String(d.body?.['chainId']), delegationToken: String(d.body?.['delegationToken']), delegatorToken: delegator.token }
  }

  it('an owner of a free organization upgrades through Stripe Checkout; the plan changes once Stripe confirms', async () => {
    const http = api(apiBase)
    const tenant = await provisionTenant(apiBase, adminToken, 'acme-billing', ['agents:read', 'billing:read'])
    const tenantToken = await http.token(tenant.clientId, tenant.clientSecret)
    const invitation = await http.call('POST', '/api/v1/operators/invitations', adminToken, { email: 'owner@acme-billing.example', role: 'owner', organizationId: tenant.organizationId })
    expect(invitation.status).toBe(201)
    const { context, page } = await newPage()
    try {
      await page.goto(String(invitation.body?.['link']))
      await page.getByRole('heading', { name: 'Join as owner' }).waitFor()
      await page.getByLabel('Display name').fill('Olive Owner')
      await page.getByRole('button', { name: 'Create passkey' }).click()
      await page.getByRole('heading', { name: 'Overview' }).waitFor()
      // Today's usage from the plan's counters: the tenant's agent and this page's own API calls.
      await page.getByRole('heading', { name: 'Usage today (UTC)' }).waitFor()
      await page.getByText(/API calls · \d+ tokens issued/).waitFor()
      await shot(page, '17-overview-tenant')
      // Another organization: the platform's agents are not listed; partners (admin:orgs) not offered.
      await page.getByRole('link', { name: 'Agents' }).click()
      await page.getByRole('link', { name: 'acme-billing-agent' }).waitFor()
      expect(await page.getByRole('link', { name: 'invoice-bot' }).count()).toBe(0)

      await page.getByRole('link', { name: 'Plan & usage' }).click()
      await page.getByRole('heading', { name: 'Plan & usage', level: 1 }).waitFor()
      await page.getByText('free', { exact: true }).waitFor()
      await shot(page, '15-billing-free')
      await axe(page, 'billing-free')
      await fitsNarrow(page, '15-billing-free')
      await page.getByLabel('Upgrade to').selectOption('pro')
      await page.getByRole('button', { name: 'Upgrade' }).click()
      await page.waitForURL(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/)
      const sessionId = page.url().split('/').at(-1)
      const checkout = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions').at(-1)
      expect(checkout?.body).toMatchObject({
        mode: 'subscription',
        client_reference_id: tenant.organizationId,
        line_items: [{ price: 'price_pro', quantity: '1' }],
        metadata: { organizationId: tenant.organizationId, targetTier: 'pro' },
      })
      // Not paid yet: still free.
      expect((await http.call('GET', '/api/v1/tiers/status', tenantToken)).body?.['tier']).toBe('free')

      // Stripe confirms the payment (a signed checkout.session.completed): the plan is pro.
      const customer = String(checkout?.body['customer'])
      stripe.setSubscription({ id: 'sub_console_e2e', customer, status: 'active', price: 'price_pro' })
      const completed = stripe.event('checkout.session.completed', {
        id: sessionId,
        object: 'checkout.session',
        mode: 'subscription',
        customer,
        client_reference_id: tenant.organizationId,
        subscription: 'sub_console_e2e',
        metadata: { organizationId: tenant.organizationId, targetTier: 'pro' },
      })
      const delivered = await fetch(`${apiBase}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': completed.signature }, body: completed.payload })
      expect(delivered.status).toBe(200)
      await page.goto(`${origin}/console/#/plugins/billing`)
      await page.getByText('pro', { exact: true }).waitFor()
      expect(await page.getByRole('button', { name: 'Upgrade' }).count()).toBe(0)
      await shot(page, '16-billing-pro')
      await axe(page, 'billing-pro')
      // A paid plan is managed in Stripe's Customer Portal.
      await page.getByRole('button', { name: 'Manage subscription' }).click()
      await page.waitForURL(/^https:\/\/billing\.stripe\.com\/p\/session\//)
      expect(stripe.requests.filter((r) => r.path === '/v1/billing_portal/sessions').at(-1)?.body).toMatchObject({ customer })
    } catch (err) {
      await shot(page, 'failure-billing')
      throw new Error(`${err instanceof Error ? String(err.stack) : String(err)}\n${requests.filter((r) => r.startsWith('console:')).join('\n')}`)
    } finally {
      await context.close()
    }
    // Stripe's hosted pages were answered by the test; nothing else left the origin.
    expect(requests.filter((u) => !u.startsWith(origin) && !STRIPE_HOSTED.test(u) && !u.startsWith('data:') && !u.startsWith('console:'))).toEqual([])
  }, 120_000)
})
