import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createPinnedLookup, createSafeFetch, SafeFetchError, type ResolvedAddress, type SafeFetch } from '../src/index.js'

interface Receiver {
  readonly port: number
  /** TCP connections accepted: zero means nothing reached the address. */
  connections: number
  requests: number
  close(): Promise<void>
}

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()))
})

async function receiver(handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok')): Promise<Receiver> {
  const server: Server = createServer((req, res) => {
    state.requests++
    handler(req, res)
  })
  const state: Receiver = {
    port: 0,
    connections: 0,
    requests: 0,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
  server.on('connection', () => state.connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  Object.assign(state, { port: (server.address() as AddressInfo).port })
  open.push(state)
  return state
}

function client(options: Parameters<typeof createSafeFetch>[0]): SafeFetch {
  const fetcher = createSafeFetch(options)
  open.push(fetcher)
  return fetcher
}

/** A DNS that answers each lookup with the next entry of `answers` (the last one repeats). */
function scriptedDns(...answers: ResolvedAddress[][]) {
  const calls: string[] = []
  return {
    calls,
    resolve: async (hostname: string) => {
      calls.push(hostname)
      return answers[Math.min(calls.length - 1, answers.length - 1)] ?? []
    },
  }
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 })
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 })

async function refusal(promise: Promise<unknown>): Promise<SafeFetchError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SafeFetchError)
  return err as SafeFetchError
}

describe('safe fetch: the SSRF matrix', () => {
  it.each([
    ['10.0.0.1', [v4('10.0.0.1')]],
    ['169.254.169.254', [v4('169.254.169.254')]],
    ['127.0.0.1', [v4('127.0.0.1')]],
    ['::1', [v6('::1')]],
    ['::ffff:10.0.0.1', [v6('::ffff:10.0.0.1')]],
    ['0.0.0.0', [v4('0.0.0.0')]],
    ['fd00:ec2::254', [v6('fd00:ec2::254')]],
    ['100.64.0.1', [v4('100.64.0.1')]],
    ['one public and one private address', [v4('93.184.216.34'), v4('127.0.0.1')]],
  ])('a host resolving to %s is refused before any connection', async (_label, answer) => {
    const target = await receiver()
    const dns = scriptedDns(answer)
    const fetcher = client({ resolve: dns.resolve })
    const err = await refusal(fetcher.fetch(`https://hooks.example.test:${target.port}/`))
    expect(err.code).toBe('address_not_allowed')
    expect(dns.calls).toEqual(['hooks.example.test'])
    expect(target.connections).toBe(0)
  })

  it.each(['https://127.0.0.1/', 'https://[::1]/', 'https://[::ffff:10.0.0.1]/', 'https://0.0.0.0/', 'https://169.254.169.254/latest/meta-data/', 'https://0x7f.1/', 'https://[fd00:ec2::254]/'])(
    'the literal address in %s is refused without DNS',
    async (url) => {
      const dns = scriptedDns([v4('93.184.216.34')])
      const err = await refusal(client({ resolve: dns.resolve }).fetch(url))
      expect(err.code).toBe('address_not_allowed')
      expect(dns.calls).toEqual([])
    },
  )

  it('a name that resolves public, then private on the second lookup: the second connection is refused', async () => {
    const dns = scriptedDns([v4('93.184.216.34')], [v4('10.0.0.1')])
    const lookup = createPinnedLookup(dns.resolve, {})
    const answer = (all: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        lookup('rebind.example.test', { all }, (err, address) => resolve({ err, address })),
      )
    // The checked answer is the one handed to the socket: no second resolution happens for it.
    expect(await answer(true)).toEqual({ err: null, address: [{ address: '93.184.216.34', family: 4 }] })
    const second = await answer(false)
    expect(second.err).toBeInstanceOf(SafeFetchError)
    expect((second.err as SafeFetchError).code).toBe('address_not_allowed')
    expect(dns.calls).toHaveLength(2)
  })

  it('the connection goes to the address that was checked (pinned), resolved once per connection', async () => {
    const target = await receiver()
    // `rebind.invalid` exists in no DNS: reaching the receiver proves the socket used our answer.
    const dns = scriptedDns([v4('127.0.0.1')], [v4('10.0.0.1')])
    const fetcher = client({ resolve: dns.resolve, allowPrivate: true })
    const response = await fetcher.fetch(`http://rebind.invalid:${target.port}/`)
    expect(response.status).toBe(200)
    expect(response.text()).toBe('ok')
    expect(dns.calls).toEqual(['rebind.invalid'])
    expect(target.requests).toBe(1)
  })

  it('a 302 to a private address is refused, never followed', async () => {
    const internal = await receiver()
    const redirector = await receiver((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/admin` }).end()
    })
    const fetcher = client({ resolve: scriptedDns([v4('127.0.0.1')]).resolve, allowPrivate: true })
    const err = await refusal(fetcher.fetch(`http://hooks.example.test:${redirector.port}/`))
    expect(err.code).toBe('redirect_refused')
    expect(err.status).toBe(302)
    expect(redirector.requests).toBe(1)
    expect(internal.connections).toBe(0)
  })

  it('http is refused unless allowPrivate; other schemes always', async () => {
    const dns = scriptedDns([v4('93.184.216.34')])
    expect((await refusal(client({ resolve: dns.resolve }).fetch('http://hooks.example.test/'))).code).toBe('scheme_not_allowed')
    expect((await refusal(client({ resolve: dns.resolve, allowPrivate: true }).fetch('file:///etc/passwd'))).code).toBe('scheme_not_allowed')
    expect((await refusal(client({ resolve: dns.resolve }).fetch('https://user:pw@hooks.example.test/'))).code).toBe('invalid_url')
    expect((await refusal(client({ resolve: dns.resolve }).fetch('not a url'))).code).toBe('invalid_url')
    expect(dns.calls).toEqual([])
  })

  it('allowPrivate still refuses cloud metadata', async () => {
    const dns = scriptedDns([v4('169.254.169.254')])
    const err = await refusal(client({ resolve: dns.resolve, allowPrivate: true }).fetch('http://metadata.example.test/'))
    expect(err.code).toBe('address_not_allowed')
  })
})

describe('safe fetch: caps', () => {
  const local = () => scriptedDns([v4('127.0.0.1')]).resolve

  it('a body over the size cap is refused, with or without content-length', async () => {
    const declared = await receiver((_req, res) => res.end('x'.repeat(2048)))
    const chunked = await receiver((_req, res) => {
      res.write('x'.repeat(700))
      res.end('y'.repeat(700))
    })
    const fetcher = client({ resolve: local(), allowPrivate: true, maxResponseBytes: 1024 })
    expect((await refusal(fetcher.fetch(`http://a.test:${declared.port}/`))).code).toBe('response_too_large')
    expect((await refusal(fetcher.fetch(`http://a.test:${chunked.port}/`))).code).toBe('response_too_large')
    const small = await receiver((_req, res) => res.end('x'.repeat(1024)))
    expect((await fetcher.fetch(`http://a.test:${small.port}/`)).body).toHaveLength(1024)
  })

  it('a response that does not complete within the time cap fails with timeout', async () => {
    const silent = await receiver(() => undefined)
    const dribbling = await receiver((_req, res) => {
      res.writeHead(200)
      res.write('a')
    })
    const fetcher = client({ resolve: local(), allowPrivate: true, timeoutMs: 300 })
    expect((await refusal(fetcher.fetch(`http://a.test:${silent.port}/`))).code).toBe('timeout')
    expect((await refusal(fetcher.fetch(`http://a.test:${dribbling.port}/`))).code).toBe('timeout')
  })

  it('sends the method, headers and body it is given', async () => {
    let seen: { method?: string; header?: string; body: string } = { body: '' }
    const echo = await receiver((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        seen = { method: req.method, header: req.headers['x-test'] as string, body }
        res.writeHead(204).end()
      })
    })
    const response = await client({ resolve: local(), allowPrivate: true }).fetch(`http://a.test:${echo.port}/`, {
      method: 'POST',
      headers: { 'x-test': 'yes', 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect(response.status).toBe(204)
    expect(seen).toEqual({ method: 'POST', header: 'yes', body: '{"a":1}' })
  })
})
