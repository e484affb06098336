import ipaddr from 'ipaddr.js'

/** Why an address was refused, or `public` when it may be contacted. */
export type AddressClass =
  | 'public'
  | 'invalid'
  | 'unspecified'
  | 'cloud_metadata'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'carrier_grade_nat'
  | 'unique_local'
  | 'multicast'
  | 'broadcast'
  | 'ipv4_embedded'
  | 'reserved'

export interface AddressVerdict {
  readonly allowed: boolean
  readonly class: AddressClass
}

/** Addresses of cloud instance-metadata services: refused even with `allowPrivate`. */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254'])

/** Never a valid destination, whatever the policy. */
const ALWAYS_REFUSED: ReadonlySet<AddressClass> = new Set([
  'invalid',
  'unspecified',
  'cloud_metadata',
  'multicast',
  'broadcast',
])

const IPV4_CLASS: Readonly<Record<string, AddressClass>> = {
  unicast: 'public',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link_local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier_grade_nat',
  private: 'private',
}

const IPV6_CLASS: Readonly<Record<string, AddressClass>> = {
  unspecified: 'unspecified',
  linkLocal: 'link_local',
  deprecatedSiteLocal: 'link_local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique_local',
  // Translation and tunnelling prefixes carry an IPv4 address that may be private.
  rfc6145: 'ipv4_embedded',
  rfc6052: 'ipv4_embedded',
  '6to4': 'ipv4_embedded',
  teredo: 'ipv4_embedded',
}

/** 2000::/3, the only IPv6 global unicast space. */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3')

function classifyIPv4(address: ipaddr.IPv4): AddressClass {
  if (METADATA.has(address.toString())) return 'cloud_metadata'
  return IPV4_CLASS[address.range()] ?? 'reserved'
}

function classifyIPv6(address: ipaddr.IPv6): AddressClass {
  if (address.isIPv4MappedAddress()) return classifyIPv4(address.toIPv4Address())
  if (METADATA.has(address.toString())) return 'cloud_metadata'
  const range = address.range()
  if (range !== 'unicast') return IPV6_CLASS[range] ?? 'reserved'
  // The deprecated IPv4-compatible form ::a.b.c.d and everything else outside 2000::/3.
  if (address.parts.slice(0, 6).every((part) => part === 0)) return 'ipv4_embedded'
  return address.match(GLOBAL_UNICAST) ? 'public' : 'reserved'
}

/** Classifies an IP literal (IPv4, IPv6, IPv4-mapped IPv6, optionally in brackets). */
export function classifyAddress(literal: string): AddressClass {
  const bare = literal.startsWith('[') && literal.endsWith(']') ? literal.slice(1, -1) : literal
  // Zone ids (fe80::1%eth0) and non-canonical IPv4 forms (010.0.0.1, 0x7f.1) are not addresses we contact.
  if (!ipaddr.isValid(bare) || bare.includes('%')) return 'invalid'
  if (ipaddr.IPv4.isValid(bare) && !ipaddr.IPv4.isValidFourPartDecimal(bare)) return 'invalid'
  if (ipaddr.IPv4.isValid(bare)) return classifyIPv4(ipaddr.IPv4.parse(bare))
  // ipaddr.js reads the dotted tail of `::a.b.c.d` as IPv4-mapped; the WHATWG URL parser
  // serialises every IPv6 form to plain hex groups first, as sockets read them.
  const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1)
  return classifyIPv6(ipaddr.IPv6.parse(canonical))
}

/**
 * Whether an outbound connection to `literal` is allowed. Only public unicast addresses are,
 * unless `allowPrivate` (development and tests): then loopback, private, link-local, CGNAT, ULA
 * and reserved addresses are too — never the unspecified address, multicast, broadcast or a
 * cloud metadata service.
 */
export function checkAddress(literal: string, options: { readonly allowPrivate?: boolean } = {}): AddressVerdict {
  const cls = classifyAddress(literal)
  if (cls === 'public') return { allowed: true, class: cls }
  if (options.allowPrivate === true && !ALWAYS_REFUSED.has(cls)) return { allowed: true, class: cls }
  return { allowed: false, class: cls }
}
