/**
 * Signing-key ports. Private keys never leave their store: core assembles the JWS
 * (`tokens/jws.ts`) and asks a {@link Signer} for the signature only; it verifies with jose.
 *
 * @module
 */

export type SigningAlg = 'ES256'

/** A public JWK as published in the JWKS. */
export interface PublicJwk {
  kty: string
  kid: string
  alg: string
  use: 'sig'
  crv?: string
  x?: string
  y?: string
  n?: string
  e?: string
}

export interface Signer {
  readonly kid: string
  readonly alg: SigningAlg
  /**
   * When this key starts (or started) signing. A rotated-in key is published before it signs, so
   * that every verifier has it first; `undefined` when the store does not say.
   */
  readonly activatesAt?: Date
  /** Raw JWS signature over `data` (the ASCII signing input), encoded per RFC 7518 (ECDSA: r‖s). */
  sign(data: Uint8Array): Promise<Uint8Array>
}

export interface KeyStore {
  /** The signer for new tokens. */
  current(): Promise<Signer>
  /** Public JWKs to publish: current + retired keys still inside their grace period. */
  publicKeys(): Promise<readonly PublicJwk[]>
  /**
   * Creates a new key and publishes it at once; it starts signing at its `activatesAt` (after the
   * store's propagation delay, so every process and verifier sees it before any token carries it).
   * The previous key keeps signing until then and stays published for the grace period after.
   */
  rotate(): Promise<Signer>
  /** Re-reads keys now (another process rotated). Optional; stores without a cache omit it. */
  refresh?(): Promise<void>
  /** Cheap check for health reports; throws when the store is unusable. */
  ping(): Promise<void>
}
