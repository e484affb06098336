/**
 * A failed client authentication answers without waiting for its `auth.failed` audit write, so a
 * known client id fails as fast as an unknown one (issue 10, finding 13; the latency itself is
 * measured in bench/auth-failure-timing.ts, never here). The event is still committed, and
 * `close()` flushes it.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryStorage, type Storage } from '../src/index.js'
import { ADMIN_SECRET, basic, setup } from './helpers.js'

/** Memory storage whose transactions wait while the gate is closed. */
function gatedStorage() {
  const inner = createMemoryStorage()
  let gate: Promise<void> | undefined
  let open: () => void = () => undefined
  const storage: Storage = {
    ...inner,
    transaction: async (work) => {
      if (gate !== undefined) await gate
      return inner.transaction(work)
    },
  }
  return {
    storage,
    inner,
    close() {
      gate = new Promise((resolve) => (open = resolve))
    },
    open: () => {
      gate = undefined
      open()
    },
  }
}

const wrongSecret = { params: { grant_type: 'client_credentials' }, authorization: basic('admin', 'wrong-secret'), ip: '192.0.2.1' }

describe('auth.failed auditing', () => {
  it('answers invalid_client while the audit write is still pending, then commits the event', async () => {
    const gated = gatedStorage()
    const { idp, admin, boot } = await setup({ storage: gated.storage })
    try {
      gated.close()
      // With the storage blocked, this would never settle if the response waited for the append.
      await expect(idp.oauth.token(wrongSecret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
      const pending = await gated.inner.audit.list(boot.organizationId, { action: 'auth.failed' }, { limit: 10 })
      expect(pending.items).toHaveLength(0)
      const committed = new Promise((resolve) => idp.on('auth.failed', resolve))
      gated.open()
      await committed
      const events = await idp.audit.list(admin, { action: 'auth.failed', limit: 10 })
      expect(events.items).toEqual([
        expect.objectContaining({ action: 'auth.failed', outcome: 'failure', ip: '192.0.2.1', details: expect.objectContaining({ reason: 'bad_secret' }) }),
      ])
      expect((await idp.audit.verify(admin, {})).verified).toBe(true)
    } finally {
      gated.open()
      await idp.close()
    }
  })

  it('flushes pending auth.failed events on close()', async () => {
    const gated = gatedStorage()
    const { idp, boot } = await setup({ storage: gated.storage })
    gated.close()
    await expect(idp.oauth.token(wrongSecret)).rejects.toMatchObject({ code: 'INVALID_CLIENT' })
    const closing = idp.close()
    gated.open()
    await closing
    const events = await gated.inner.audit.list(boot.organizationId, { action: 'auth.failed' }, { limit: 10 })
    expect(events.items).toHaveLength(1)
  })

  it('answers an unknown client id the same way, with nothing to audit', async () => {
    const { idp, admin } = await setup()
    try {
      const unknown = { ...wrongSecret, authorization: basic('no-such-client', ADMIN_SECRET) }
      const committed = new Promise((resolve) => idp.on('auth.failed', resolve))
      await expect(idp.oauth.token(unknown)).rejects.toMatchObject({ code: 'INVALID_CLIENT', message: 'Client authentication failed' })
      await expect(idp.oauth.token(wrongSecret)).rejects.toMatchObject({ code: 'INVALID_CLIENT', message: 'Client authentication failed' })
      await committed
      expect((await idp.audit.list(admin, { action: 'auth.failed', limit: 10 })).items).toHaveLength(1)
    } finally {
      await idp.close()
    }
  })
})
