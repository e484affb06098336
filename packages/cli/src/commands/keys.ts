/**
 * `sentryagent keys add|generate|list|remove`: an agent's public keys, for `private_key_jwt` and its
 * DID document. `generate` creates the pair locally — the private key never leaves this machine —
 * writes it to `--out` (mode 0600) and registers the public half.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { configError } from '../exit-codes.js'
import { print, renderRecord, renderTable, type CliIo } from '../output.js'
import { oneOf, withContext } from './shared.js'

const ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const

/** Registers `keys`. */
export function registerKeys(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('an agent’s public keys (private_key_jwt, did:web)')

  keys
    .command('add <agentId>')
    .description('register a public JWK read from a file')
    .requiredOption('--jwk-file <path>', 'file holding the public JWK')
    .action(
      withContext<{ jwkFile: string }>(io, async (ctx, opts, [agentId]) => {
        let jwk: JWK
        try {
          jwk = JSON.parse(await readFile(opts.jwkFile, 'utf8')) as JWK
        } catch {
          throw configError(`${opts.jwkFile} is not a readable JSON JWK`)
        }
        const added = await (await ctx.client()).keys.add(String(agentId), { publicJwk: { ...jwk, kty: String(jwk.kty) } })
        print(io, ctx.json, added, () => renderRecord(added))
      }),
    )

  keys
    .command('generate <agentId>')
    .description('generate a key pair locally, save the private JWK to --out (0600), register the public JWK')
    .requiredOption('--out <path>', 'where to write the private JWK (must not exist)')
    .option('--alg <alg>', 'ES256 | EdDSA | RS256 | PS256', oneOf(ALGS), 'ES256')
    .action(
      withContext<{ out: string; alg: (typeof ALGS)[number] }>(io, async (ctx, opts, [agentId]) => {
        const { publicKey, privateKey } = await generateKeyPair(opts.alg, { extractable: true, ...(opts.alg.startsWith('RS') || opts.alg.startsWith('PS') ? { modulusLength: 2048 } : {}) })
        const publicJwk = { ...(await exportJWK(publicKey)), alg: opts.alg }
        const added = await (await ctx.client()).keys.add(String(agentId), { publicJwk: { ...publicJwk, kty: String(publicJwk.kty) } })
        const privateJwk = { ...(await exportJWK(privateKey)), alg: opts.alg, kid: added.kid }
        try {
          await writeFile(opts.out, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
        } catch {
          // Registered but not saved: remove the public key again rather than leave an unusable key behind.
          await (await ctx.client()).keys.remove(String(agentId), added.kid)
          throw configError(`cannot write ${opts.out} (it must not exist); the key was not kept`)
        }
        print(io, ctx.json, { ...added, privateKeyFile: opts.out }, () =>
          `${renderRecord({ ...added, privateKeyFile: opts.out })}\nAuthenticate with it: sentryagent configure --client-id ${String(agentId)} --private-key-file ${opts.out}\n`,
        )
      }),
    )

  keys
    .command('list <agentId>')
    .description('list an agent’s keys')
    .action(
      withContext(io, async (ctx, _o, [agentId]) => {
        const list = await (await ctx.client()).keys.list(String(agentId))
        print(io, ctx.json, list, () => renderTable(list.items, ['kid', 'alg', 'status', 'createdAt', 'removedAt']))
      }),
    )

  keys
    .command('remove <agentId> <kid>')
    .description('remove a key: tokens obtained with it are rejected, the DID document drops it')
    .action(
      withContext(io, async (ctx, _o, [agentId, kid]) => {
        await (await ctx.client()).keys.remove(String(agentId), String(kid))
        print(io, ctx.json, { removed: kid }, () => `removed key ${kid}\n`)
      }),
    )
}
