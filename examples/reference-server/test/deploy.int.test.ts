/**
 * The operations kit (`deploy/`) against the code: the Kubernetes manifests render with
 * `kubectl kustomize` and name only variables `config.ts` reads (secrets from Secrets, probes on the
 * health routes, the configured port); the alert rules pass `promtool check rules` and their unit
 * tests; every metric the Grafana dashboard or an alert queries is one a live server exports.
 * `kubectl` and `promtool` come from Debian (`kubernetes-client`, `prometheus`); without them these
 * suites skip, except under CI=true, where `.ci/run` installs them and their absence fails.
 */
import { execFile } from 'node:child_process'
import { access, readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { CONFIG_VARIABLES, CONFIG_VARIABLE_NAMES } from '../src/config-variables.js'
import { loadConfig } from '../src/config.js'
import { KNOWN_PLUGINS } from '../src/plugins.js'
import { startOn, TARGETS, type Running } from './harness.js'

const run = promisify(execFile)
const root = new URL('../../../', import.meta.url)
const path = (p: string) => new URL(p, root).pathname
const CI = process.env['CI'] === 'true'

async function present(tool: string): Promise<boolean> {
  try {
    await run(tool, [tool === 'kubectl' ? 'version' : '--version', ...(tool === 'kubectl' ? ['--client'] : [])])
    return true
  } catch {
    return false
  }
}
const hasKubectl = CI || (await present('kubectl'))
const hasPromtool = CI || (await present('promtool'))

type Manifest = { kind: string; metadata: { name: string }; spec?: Record<string, unknown> }
interface Container {
  name: string
  ports?: { name?: string; containerPort: number }[]
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[]
  envFrom?: { configMapRef?: { name: string } }[]
  readinessProbe?: { httpGet?: { path: string; port: string | number } }
  livenessProbe?: { httpGet?: { path: string; port: string | number } }
}

async function render(overlay: string): Promise<Manifest[]> {
  const { stdout } = await run('kubectl', ['kustomize', path(`deploy/kubernetes/overlays/${overlay}`)])
  return parseAllDocuments(stdout).map((d) => d.toJS() as Manifest)
}

const find = (ms: Manifest[], kind: string, name = 'agentidp') => {
  const m = ms.find((x) => x.kind === kind && x.metadata.name === name)
  if (m === undefined) throw new Error(`no ${kind}/${name}`)
  return m as Manifest & { spec: Record<string, unknown>; data?: Record<string, string> }
}

describe.runIf(hasKubectl).each(['external', 'in-cluster'])('Kubernetes overlay %s', (overlay) => {
  let manifests: Manifest[]
  beforeAll(async () => {
    manifests = await render(overlay)
  })

  it('runs ≥ 2 replicas, kept by a disruption budget and an autoscaler', () => {
    const deployment = find(manifests, 'Deployment')
    expect(deployment.spec['replicas']).toBeGreaterThanOrEqual(2)
    expect(find(manifests, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 })
    expect(find(manifests, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 2,
      scaleTargetRef: { kind: 'Deployment', name: 'agentidp' },
    })
  })

  it('probes the health routes on the port the server listens on', () => {
    const pod = find(manifests, 'Deployment').spec['template'] as { spec: { containers: Container[] } }
    const container = pod.spec.containers.find((c) => c.name === 'agentidp') as Container
    const configMap = find(manifests, 'ConfigMap')
    const port = loadConfig(configMap.data ?? {}).port
    expect(container.ports).toEqual([{ name: 'http', containerPort: port }])
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/detailed', port: 'http' })
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' })
    const service = find(manifests, 'Service').spec as { ports: { targetPort: string }[] }
    expect(service.ports.map((p) => p.targetPort)).toEqual(['http'])
  })

  it('names only variables config.ts reads; secrets come from Secrets, never from the ConfigMap', () => {
    const pod = find(manifests, 'Deployment').spec['template'] as { spec: { containers: Container[] } }
    const container = pod.spec.containers.find((c) => c.name === 'agentidp') as Container
    const configMap = find(manifests, 'ConfigMap')
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }])
    const secretNames = new Set(CONFIG_VARIABLES.filter((v) => v.secret === true).flatMap((v) => v.names))
    const env = container.env ?? []
    const fromSecrets = env.filter((e) => e.valueFrom?.secretKeyRef !== undefined).map((e) => e.name)
    expect(fromSecrets.sort()).toEqual(
      ['DATABASE_URL', 'REDIS_URL', 'SENTRYAGENT_BOOTSTRAP_CLIENT_ID', 'SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET', 'SENTRYAGENT_MASTER_KEY'].sort(),
    )
    for (const e of env) {
      expect(CONFIG_VARIABLE_NAMES, `${e.name} is not a configuration variable`).toContain(e.name)
      if (secretNames.has(e.name)) expect(e.valueFrom?.secretKeyRef, `${e.name} must come from a Secret`).toBeDefined()
    }
    const data = configMap.data ?? {}
    for (const name of Object.keys(data)) {
      expect(CONFIG_VARIABLE_NAMES, `${name} is not a configuration variable`).toContain(name)
      expect(secretNames.has(name), `${name} is a secret: not in a ConfigMap`).toBe(false)
    }
    // The ConfigMap with the Secrets' values is a configuration the server accepts, with a shared issuer.
    const config = loadConfig({
      ...data,
      SENTRYAGENT_MASTER_KEY: 'm'.repeat(32),
      SENTRYAGENT_BOOTSTRAP_CLIENT_ID: 'platform-admin',
      SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET: 's'.repeat(32),
      DATABASE_URL: 'postgres://agentidp@postgres/agentidp',
      REDIS_URL: 'redis://redis:6379',
    })
    expect(config.issuerIsDefault).toBe(false)
    expect(config.host).toBe('0.0.0.0')
  })
})

describe.runIf(hasPromtool)('Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', path('deploy/prometheus/alerts.yaml')])
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/)
  })

  it('pass their unit tests (promtool test rules)', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', path('deploy/prometheus/alerts.test.yaml')])
    expect(stdout).toContain('SUCCESS')
  })
})

describe('compose.monitoring.yaml', () => {
  it('mounts files that exist, where Prometheus and Grafana read them', async () => {
    const compose = parse(await readFile(path('compose.monitoring.yaml'), 'utf8')) as { services: Record<string, { volumes: string[]; command?: string[] }> }
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes.map((v) => v.split(':') as [string, string]))
    for (const [source] of mounts) await access(path(source.replace(/^\.\//, '')))
    const at = new Map(mounts.map(([source, target]) => [source, target]))
    const prometheus = parse(await readFile(path('deploy/prometheus/prometheus.yaml'), 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string }[] }
    expect(prometheus.rule_files).toEqual([at.get('./deploy/prometheus/alerts.yaml')])
    expect(compose.services['prometheus']?.command).toContain(`--config.file=${at.get('./deploy/prometheus/prometheus.yaml')}`)
    // The alert rule AgentIdpInstanceDown selects job="agentidp".
    expect(prometheus.scrape_configs.map((c) => c.job_name)).toEqual(['agentidp'])
    const provider = parse(await readFile(path('deploy/grafana/provisioning/dashboards/agentidp.yaml'), 'utf8')) as { providers: { options: { path: string } }[] }
    expect(at.get('./deploy/grafana/agentidp-dashboard.json')).toBe(`${provider.providers[0]?.options.path}/agentidp-dashboard.json`)
  })
})

/** The names `/metrics` exports (`# TYPE` lines), with a histogram's series suffixes. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>()
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = m
    names.add(name)
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`)
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(`${name}${s}`)
  }
  return names
}

const queried = (text: string) => new Set([...text.matchAll(/\bagentidp_[a-z0-9_]+/g)].map((m) => m[0]))

// PostgreSQL: the pool gauges exist only there (PGlite when no PostgreSQL answers, outside CI).
const target = TARGETS.find((t) => t.name === 'postgres') ?? TARGETS[0]
describe.runIf(target !== undefined)(`dashboard and alerts against a live /metrics (${target?.name})`, () => {
  let server: Running
  let exported: Set<string>
  beforeAll(async () => {
    if (target === undefined) return
    server = await startOn(target)
    exported = exportedNames(await (await fetch(`${server.url}/metrics`)).text())
  })
  afterAll(async () => server?.close())

  // A plugin's metrics are exported only where it is installed: checked once KNOWN_PLUGINS has it.
  const PLUGIN_METRICS: Record<string, string> = { agentidp_webhook_: 'webhooks' }
  const notYetKnown = (n: string) => Object.entries(PLUGIN_METRICS).some(([prefix, plugin]) => n.startsWith(prefix) && !Object.hasOwn(KNOWN_PLUGINS, plugin))
  const missing = (names: Set<string>) =>
    [...names].filter((n) => !exported.has(n) && !notYetKnown(n) && !(target?.name !== 'postgres' && n.startsWith('agentidp_db_pool_')))

  it('every Grafana query names an exported metric', async () => {
    const dashboard = JSON.parse(await readFile(path('deploy/grafana/agentidp-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[]
      templating: { list: { query?: unknown }[] }
    }
    expect(dashboard.panels.length).toBeGreaterThan(5)
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => String(v.query ?? ''))]
    const names = queried(exprs.join('\n'))
    expect(names.size).toBeGreaterThan(10)
    expect(missing(names)).toEqual([])
  })

  it('every alert rule names an exported metric', async () => {
    const names = queried(await readFile(path('deploy/prometheus/alerts.yaml'), 'utf8'))
    expect(names).toContain('agentidp_dependency_up')
    expect(missing(names)).toEqual([])
  })
})
