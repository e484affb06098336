/**
 * The controls this IdP implements (`GET /compliance/controls`, public): a catalogue with stable
 * ids mapped to SOC 2 Trust Services Criteria; `live-compliance.ts` adds each control's live status.
 *
 * @module
 */
import type { ComplianceControlView } from './compliance-schemas.js'

/** Every control, in a stable order. Ids are never renamed. */
export const COMPLIANCE_CONTROLS: readonly ComplianceControlView[] = Object.freeze([
  {
    id: 'IDP-AUTH-01',
    title: 'Secretless agent authentication',
    description: 'Agents authenticate with private_key_jwt signed by a registered key; assertions are short-lived and single-use.',
    references: ['RFC 7523', 'OpenID Connect Core §9'],
    frameworks: { soc2: ['CC6.1'] },
  },
  {
    id: 'IDP-AUTH-02',
    title: 'Client secrets stored as digests',
    description: 'Client secrets are 256-bit random values stored as SHA-256 digests, shown once, compared in constant time.',
    references: ['RFC 6749 §2.3.1'],
    frameworks: { soc2: ['CC6.1'] },
  },
  {
    id: 'IDP-KEY-01',
    title: 'No agent private keys at rest',
    description: 'The IdP stores only public JWKs of agents; generated private keys are returned once and never stored.',
    references: ['RFC 7517', 'RFC 7638'],
    frameworks: { soc2: ['CC6.1', 'CC6.7'] },
  },
  {
    id: 'IDP-TOK-01',
    title: 'Short-lived signed access tokens with live revocation',
    description: 'RFC 9068 JWT access tokens (ES256) are checked for revocation and the live status of their credential or key, agent and organization.',
    references: ['RFC 9068', 'RFC 7009', 'RFC 7662'],
    frameworks: { soc2: ['CC6.1', 'CC6.6'] },
  },
  {
    id: 'IDP-DID-01',
    title: 'Resolvable decentralized identifiers',
    description: 'Every agent has a did:web DID whose document lists its active public keys; decommissioned agents answer 410.',
    references: ['W3C DID Core', 'did:web method'],
    frameworks: { soc2: ['CC6.1'] },
  },
  {
    id: 'IDP-CARD-01',
    title: 'Signed agent cards',
    description: 'AGNTCY-style and A2A agent cards can be signed by the IdP key and verified with its JWKS.',
    references: ['AGNTCY', 'A2A AgentCard', 'RFC 7515'],
    frameworks: { soc2: ['CC6.7', 'CC9.2'] },
  },
  {
    id: 'IDP-AUD-01',
    title: 'Tamper-evident audit log',
    description: 'Every state change and token event is written to a per-organization hash chain in the same transaction as the change.',
    references: ['SPEC §9'],
    frameworks: { soc2: ['CC7.2', 'CC7.3'] },
  },
  {
    id: 'IDP-KEY-02',
    title: 'Signing key rotation',
    description: 'The IdP signing key is rotated on a schedule; the live check compares the current key’s age with the rotation interval.',
    references: ['RFC 7517', 'NIST SP 800-57'],
    frameworks: { soc2: ['CC6.1', 'CC6.7'] },
  },
  {
    id: 'IDP-CRED-01',
    title: 'Credential expiry is enforced and watched',
    description: 'Expired or revoked client credentials are refused; the live check counts active credentials expiring within 7 days (a warning) and any active past expiry.',
    references: ['SPEC §5'],
    frameworks: { soc2: ['CC6.2', 'CC6.1'] },
  },
  {
    id: 'IDP-TEN-01',
    title: 'Tenant isolation',
    description: "The organization comes from the caller's token; other organizations' resources answer exactly like missing ones (404).",
    references: ['SPEC §1', 'SPEC §3'],
    frameworks: { soc2: ['CC6.1', 'CC6.3'] },
  },
  {
    id: 'IDP-CFG-01',
    title: 'Secure deployment configuration',
    description: 'The issuer is https; several processes share Redis (revocations, rate limits, replay caches) and Vault-held signing keys.',
    references: ['SPEC §10'],
    frameworks: { soc2: ['CC7.1', 'CC6.7'] },
  },
])

/** The catalogue without live status. */
export function complianceControls(): { items: ComplianceControlView[] } {
  return { items: COMPLIANCE_CONTROLS.map((c) => ({ ...c, references: [...c.references], frameworks: { soc2: [...c.frameworks.soc2] } })) }
}
