/**
 * The only place a JWS is assembled (RFC 7515 compact serialization). The {@link Signer} produces
 * the signature; private keys never pass through core.
 *
 * @module
 */
import type { Signer } from '../ports/keys.js'

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString('base64url')

/** Signs `payload` with `signer`; the header gets `alg` and `kid` from the signer. */
export async function signJws(
  signer: Signer,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const protectedHeader = b64url(JSON.stringify({ ...header, alg: signer.alg, kid: signer.kid }))
  const signingInput = `${protectedHeader}.${b64url(JSON.stringify(payload))}`
  const signature = await signer.sign(new TextEncoder().encode(signingInput))
  return `${signingInput}.${b64url(signature)}`
}
