/**
 * Billing test helpers: the billing plugin entry with an injected clock, a movable clock, and the
 * agent body used to fill organizations.
 */
import { createBillingPlugin, type BillingPlugin } from '@sentryagent/plugin-billing'
import type { PluginEntry } from '../src/plugins.js'

/** A clock the test moves. */
export interface TestClock {
  (): Date
  set(at: Date | string): void
}

export function testClock(start: Date | string): TestClock {
  let now = new Date(start)
  const clock = (() => new Date(now)) as TestClock
  clock.set = (at) => {
    now = new Date(at)
  }
  return clock
}

/** The `billing` entry of KNOWN_PLUGINS with the daily window on `clock`; `instances` collects the built plugins. */
export function billingEntry(clock?: () => Date, instances: BillingPlugin[] = []): Record<string, PluginEntry> {
  return {
    billing: {
      enabledByDefault: () => true,
      create: (config, log) => {
        const plugin = createBillingPlugin({ ...config.billing.options, ...(clock === undefined ? {} : { clock }) }, log)
        instances.push(plugin)
        return plugin
      },
    },
  }
}

export const agentBody = (name: string, organizationId?: string, scopes: string[] = ['agents:read']) => ({
  name,
  agentType: 'custom',
  version: '1.0.0',
  capabilities: ['docs:read'],
  owner: 'billing-test',
  deploymentEnv: 'production',
  scopes,
  ...(organizationId === undefined ? {} : { organizationId }),
})
