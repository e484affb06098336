import { randomToken, sha256Hex } from '../internal/crypto.js'

/**
 * A new client secret: 256 random bits, base64url (43 characters), with the SHA-256 digest that is
 * the only thing stored (ARCHITECTURE decision 2: a slow hash adds nothing to a 256-bit secret).
 */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = randomToken(32)
  return { secret, hash: sha256Hex(secret) }
}

/** A new OAuth client id (`sa_` + 128 random bits). */
export function newClientId(): string {
  return `sa_${randomToken(16)}`
}
