/**
 * Every environment variable the reference server reads, with its default and meaning: the one
 * table behind the configuration reference (`docs/reference/configuration.md`, generated) and the
 * deployment manifests' test. `config.ts` and `ops-config.ts` parse them; a test fails when they
 * read a variable this table does not list, or the table lists one nobody reads.
 *
 * A plugin's variables carry its name in `plugin` (and are parsed in `config.ts` like the rest).
 *
 * @module
 */

/** One row: variables documented together share a row. */
export interface ConfigVariable {
  /** The variable names, e.g. `['TLS_CERT_FILE', 'TLS_KEY_FILE']`. */
  readonly names: readonly string[]
  /** The default in words (`—` when unset means "off" or "not used"). */
  readonly default: string
  /** What it does (markdown). */
  readonly meaning: string
  /** `server` (the basics), `operations` (several processes, Redis, Vault, keys, limits) or a plugin name. */
  readonly group: string
  /** A secret: give it through a secret store (Kubernetes Secret), never in a manifest or a log. */
  readonly secret?: boolean
}

const row = (group: string, names: string | readonly string[], dflt: string, meaning: string, secret = false): ConfigVariable =>
  Object.freeze({ names: Object.freeze(typeof names === 'string' ? [names] : [...names]), default: dflt, meaning, group, ...(secret ? { secret } : {}) })

/** Every variable, in the order of the reference. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze([
  row('server', 'PORT', '`3000`', 'TCP port'),
  row('server', 'HOST', '`127.0.0.1`', 'interface to bind (`0.0.0.0` in containers)'),
  row(
    'server',
    'ISSUER',
    '`http://localhost:$PORT`',
    "issuer URL: tokens' `iss` and `aud`, discovery base, did:web host. **Set it whenever several processes share a database or Redis** (a `config_warning` says so at start): each process would otherwise derive its own and reject the others' tokens",
  ),
  row('server', 'DATA_DIR', '`./data`', 'embedded database, generated master key, bootstrap credentials'),
  row('server', 'DATABASE_URL', '—', 'PostgreSQL connection string; unset = embedded storage chosen by `STORAGE`', true),
  row('server', 'STORAGE', '`pglite`', 'embedded storage without `DATABASE_URL`: `pglite` (in `$DATA_DIR/pglite`) or `memory` — **nothing persists**, benchmarks and demos only'),
  row('server', 'PGLITE_WORKER', '`true`', "run embedded PGlite in a worker thread that owns the database, off the event loop (`false`: in the server's thread)"),
  row('server', 'PGLITE_SHARED_BUFFERS', '`16MB`', "PostgreSQL's `shared_buffers` of embedded PGlite (kB, MB or GB): every buffer touched stays resident; PostgreSQL's own 128MB costs about 100 MiB more at the same throughput"),
  row('server', 'DATABASE_SCHEMA', '—', 'PostgreSQL schema to use (created if missing)'),
  row('server', 'DATABASE_POOL_SIZE', '`10`', 'pg pool size'),
  row('server', 'DATABASE_CONNECTION_TIMEOUT_MS', '`5000`', 'pg connect timeout'),
  row(
    'server',
    'DATABASE_QUERY_TIMEOUT_MS',
    '`5000`',
    'bound on every statement: PostgreSQL cancels a longer one (`statement_timeout`); with no reply at all 500 ms later (partition, lost packets) the connection is discarded, never reused. The request answers 503. `0` = no bound (migrations never have one)',
  ),
  row('server', 'SENTRYAGENT_MASTER_KEY', 'generated into `$DATA_DIR/master.key`', 'encrypts signing keys at rest (≥ 32 characters); every process sharing a database needs the same one', true),
  row(
    'server',
    ['SENTRYAGENT_BOOTSTRAP_CLIENT_ID', 'SENTRYAGENT_BOOTSTRAP_CLIENT_SECRET'],
    'generated',
    'platform administrator client created on first start (both or neither; secret ≥ 32 characters)',
    true,
  ),
  row('server', 'ACCESS_TOKEN_TTL_SECONDS', '`3600`', 'access token lifetime (60–86400)'),
  row('server', 'AUDIT_RETENTION_DAYS', '`90`', 'audit events older than this are purged hourly (0 = keep forever)'),
  row('server', 'AUDIT_CHECKPOINT_INTERVAL_SECONDS', '`300`', 'how often each moved audit log is sealed by a signed checkpoint (0 = only on demand)'),
  row('server', 'LOG_LEVEL', '`info`', 'pino level; secrets and tokens are redacted, request URLs are logged without their query string'),
  row('server', ['TLS_CERT_FILE', 'TLS_KEY_FILE'], '—', 'PEM certificate and key: serve HTTPS directly (did:web resolvers fetch over https); both or neither'),
  row(
    'server',
    'PLUGINS',
    'every known plugin enabled by default',
    'comma list of plugins to install (`none` for none); a plugin not listed is absent: its routes answer 404 and its scopes are not advertised. `billing` is enabled by default only when `STRIPE_SECRET_KEY` is set. See [plugins](plugins.md)',
  ),
  row(
    'server',
    'CORS_ORIGINS',
    '— (no CORS)',
    'comma-separated browser origins allowed to call the API, exactly as browsers send them (`https://console.example.com`); exact origins only, no `*`, no paths',
  ),
  row('operations', 'REDIS_URL', '—', 'Redis for the shared revocation/replay cache, rate limits and pub/sub; unset = in process (single node)', true),
  row('operations', 'REDIS_CLUSTER_NODES', '—', '`host:port,host:port` of a Redis Cluster (instead of `REDIS_URL`)'),
  row('operations', 'REDIS_KEY_PREFIX', '`agentidp:`', 'prefix of every Redis key and channel'),
  row('operations', 'VAULT_ADDR', '—', 'Vault address: signing keys in Transit (`ecdsa-p256`, never exported); unset = local encrypted key store'),
  row('operations', 'VAULT_TOKEN', '—', 'Vault token auth …', true),
  row('operations', ['VAULT_ROLE_ID', 'VAULT_SECRET_ID'], '—', '… or AppRole auth', true),
  row('operations', 'VAULT_NAMESPACE', '—', 'Vault Enterprise / HCP namespace'),
  row('operations', ['VAULT_TRANSIT_MOUNT', 'VAULT_TRANSIT_KEY'], '`transit` / `agentidp`', 'Transit mount and `ecdsa-p256` key (created when missing)'),
  row('operations', 'VAULT_KV_MOUNT', '`secret`', 'KV v2 mount for plugin secrets'),
  row('operations', ['VAULT_TIMEOUT_MS', 'VAULT_RETRIES'], '`5000` / `2`', 'per-attempt timeout; retries on network errors and 5xx'),
  row('operations', 'KEY_REFRESH_INTERVAL_SECONDS', '`30`', 'how often each process re-reads the signing keys (rotations are also announced over Redis pub/sub)'),
  row('operations', 'KEY_ACTIVATION_DELAY_SECONDS', 'refresh + 5', 'a rotated-in key is published in the JWKS this long before it signs'),
  row('operations', 'KEY_GRACE_PERIOD_SECONDS', '`172800`', 'a superseded key stays published this long (≥ `ACCESS_TOKEN_TTL_SECONDS`)'),
  row('operations', 'KEY_ROTATION_INTERVAL_SECONDS', '`2592000` (30 days)', 'scheduled rotation; `0` = only on demand (`POST /api/v1/admin/keys/rotate`)'),
  row('operations', 'RATE_LIMIT_ENABLED', '`true`', '`false` disables every limit'),
  row('operations', ['RATE_LIMIT_REST_POINTS', 'RATE_LIMIT_REST_WINDOW_SECONDS'], '`100` / `60`', 'authenticated REST calls per client'),
  row(
    'operations',
    ['RATE_LIMIT_TOKEN_CLIENT_POINTS', 'RATE_LIMIT_TOKEN_IP_POINTS', 'RATE_LIMIT_TOKEN_WINDOW_SECONDS'],
    '`600` / `1200` / `60`',
    'token requests per client id / per IP; the window also applies to the two limits below',
  ),
  row('server', 'COMPLIANCE_CHECK_INTERVAL_SECONDS', '`3600`', 'how often the live compliance checks run (audit chains, expiring credentials, key age, configuration); `0` = never (controls read `unknown`)'),
  row('operations', ['RATE_LIMIT_INTROSPECT_IP_POINTS', 'RATE_LIMIT_REVOKE_IP_POINTS'], '`3000` / `600`', 'introspection / revocation requests per IP'),
  row(
    'operations',
    ['RATE_LIMIT_PUBLIC_IP_POINTS', 'RATE_LIMIT_PUBLIC_IP_WINDOW_SECONDS'],
    '`120` / `60`',
    'public reads (marketplace, DID documents, compliance controls) per IP',
  ),
  row(
    'operations',
    ['RATE_LIMIT_AUTH_FAILURES', 'RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS'],
    '`10` / `300`',
    'failed client authentications per (client id, IP) before that pair is slowed down (429)',
  ),
  row(
    'operations',
    ['RATE_LIMIT_BEARER_FAILURES', 'RATE_LIMIT_BEARER_FAILURE_WINDOW_SECONDS'],
    '`100` / `60`',
    'rejected Bearer tokens per IP before that IP is slowed down (429, no signature check)',
  ),
  row('operations', 'RATE_LIMIT_FAIL_MODE', '`insurance`', 'when Redis is down: `insurance` (count per process), `open` (allow), `closed` (503)'),
  row(
    'operations',
    'TRUST_PROXY',
    '`false`',
    "the proxies whose `X-Forwarded-For` entries are believed: their addresses / CIDRs (`10.0.0.0/8,fd00::/8`, or `loopback`, `linklocal`, `uniquelocal`), or a hop count `1`–`16` when the server is reachable only through the proxies (warned at start); `true` is refused (a client could forge its address)",
  ),
  row('billing', 'BILLING_ENABLED', '`true`', '`false` keeps the billing plugin out even when `STRIPE_SECRET_KEY` is set (its routes answer 404, no limits apply)'),
  row('billing', 'TIER_ENFORCEMENT', '`true`', '`false`: the billing plugin refuses nothing (no agent cap, no daily limits) while usage is still metered'),
  row('billing', 'BILLING_FLUSH_INTERVAL_SECONDS', '`60`', 'how often live API-call counters are flushed to the durable daily usage rows'),
  row('billing', 'STRIPE_SECRET_KEY', '—', 'Stripe secret key; enables the billing plugin by default. Never logged', true),
  row(
    'billing',
    'STRIPE_WEBHOOK_SECRET',
    '—',
    'signing secret of the `POST /api/v1/billing/webhook` endpoint (`whsec_…`); without it the webhook answers 503. Never logged',
    true,
  ),
  row('billing', ['STRIPE_PRICE_PRO', 'STRIPE_PRICE_ENTERPRISE'], '—', 'Stripe price ids of the paid plans; a plan without a price cannot be bought'),
  row('billing', 'STRIPE_API_BASE', '`https://api.stripe.com`', 'API base URL of a Stripe stand-in (tests, stripe-mock)'),
  row('billing', ['STRIPE_SUCCESS_URL', 'STRIPE_CANCEL_URL'], '`$ISSUER/billing/success` / `$ISSUER/billing/cancel`', 'where Checkout sends the customer back'),
  row('billing', 'STRIPE_PORTAL_RETURN_URL', '`$ISSUER`', 'where the Customer Portal sends the customer back'),
  row('billing', 'STRIPE_METER_EVENT_NAME', '—', 'Billing Meter event name: daily token counts are reported per organization and day'),
  row(
    'webhooks',
    'WEBHOOKS_ALLOW_PRIVATE_URLS',
    '`false`',
    '`true` lets webhook URLs use `http:` and loopback, private and link-local addresses — development and tests **only** (warned at start); cloud metadata addresses stay refused',
  ),
  row('federation', 'FEDERATION_ALLOWED_ISSUERS', '— (any https issuer)', 'comma list of OIDC issuers trust policies may name (registered partners are always allowed)'),
  row('federation', 'FEDERATION_MAX_TOKEN_AGE_SECONDS', '`600`', 'oldest `iat` of a workload token accepted by federation'),
  row(
    'federation',
    'FEDERATION_ALLOW_INSECURE_LOCALHOST',
    '`false`',
    'accept `http://localhost`/`127.0.0.1` issuers and JWKS URLs (development only; warned at start)',
  ),
  row(
    'console',
    'CONSOLE_ORIGIN',
    "the issuer's origin",
    'browser origin of the web console (`/console/`): the WebAuthn origin and the base of invitation links; set it when browsers reach the server under another URL than `ISSUER` ([console](../console.md))',
  ),
  row('console', 'CONSOLE_RP_ID', "`CONSOLE_ORIGIN`'s host name", 'WebAuthn relying-party id (the host name or a registrable suffix of it)'),
])

/** Every variable name of {@link CONFIG_VARIABLES}. */
export const CONFIG_VARIABLE_NAMES: readonly string[] = Object.freeze(CONFIG_VARIABLES.flatMap((v) => v.names))
