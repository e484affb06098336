/**
 * The adapter's atomic Lua scripts, registered once per client with ioredis `defineCommand`
 * (they run with EVALSHA and reload on NOSCRIPT). Each touches exactly one key, so they work on
 * Redis Cluster too.
 *
 * @module
 */
import type { RedisClient } from './internal/redis-connection.js'

/** INCR; the TTL (ms) is set only when the key is created, never extended (fixed window). */
const INCREMENT_FIXED_WINDOW = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`

/** INCR only while the value is below ARGV[1]; TTL (ms, ARGV[2]) set only on creation. → { value, incremented } */
const INCREMENT_BELOW = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v >= tonumber(ARGV[1]) then return {v, 0} end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {n, 1}`

/** GET + DEL in one step (GETDEL needs Redis 6.2; this works on every version). */
const GET_AND_DELETE = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v`

/** The commands {@link defineScripts} adds to a client. */
export interface ScriptCommands {
  agentidpIncrementFixedWindow(key: string, ttlMs: number): Promise<number>
  agentidpGetAndDelete(key: string): Promise<string | null>
  agentidpIncrementBelow(key: string, limit: number, ttlMs: number): Promise<[number, number]>
}

const defined = new WeakSet<RedisClient>()

function hasScripts(client: RedisClient): client is RedisClient & ScriptCommands {
  const c = client as Partial<ScriptCommands>
  return typeof c.agentidpIncrementFixedWindow === 'function' && typeof c.agentidpGetAndDelete === 'function' && typeof c.agentidpIncrementBelow === 'function'
}

/** Registers the scripts on `client` (once) and returns it with their typed commands. */
export function defineScripts(client: RedisClient): RedisClient & ScriptCommands {
  if (!defined.has(client)) {
    client.defineCommand('agentidpIncrementFixedWindow', { numberOfKeys: 1, lua: INCREMENT_FIXED_WINDOW })
    client.defineCommand('agentidpGetAndDelete', { numberOfKeys: 1, lua: GET_AND_DELETE })
    client.defineCommand('agentidpIncrementBelow', { numberOfKeys: 1, lua: INCREMENT_BELOW })
    defined.add(client)
  }
  if (!hasScripts(client)) throw new Error('ioredis did not register the adapter scripts')
  return client
}
