import { hash, randomBytes, randomUUID } from 'node:crypto'

/** Hex SHA-256 of a UTF-8 string or bytes (one-shot `crypto.hash`: no Hash object per call). */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex')
}

/** A random UUID v4, used for every resource id. */
export function newId(): string {
  return randomUUID()
}

/** `bytes` random bytes, base64url-encoded (32 bytes → 43 characters, 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
