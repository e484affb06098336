import { BlockList } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkAddress, classifyAddress } from '../src/index.js'

/** Independent oracle (node's BlockList): every IPv4 range that is not the public internet. */
const notPublicV4 = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ['192.175.48.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24],
] as const) notPublicV4.addSubnet(network, prefix, 'ipv4')

/** The ranges the issue names: refused under any policy that is not `allowPrivate`. */
const mustRefuseV4 = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4],
] as const) mustRefuseV4.addSubnet(network, prefix, 'ipv4')

const mustRefuseV6 = new BlockList()
for (const [network, prefix] of [
  ['::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96],
] as const) mustRefuseV6.addSubnet(network, prefix, 'ipv6')
const globalUnicastV6 = new BlockList()
globalUnicastV6.addSubnet('2000::', 3, 'ipv6')

describe('address policy', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'cloud_metadata'],
    ['fd00:ec2::254', 'cloud_metadata'],
    ['169.254.1.1', 'link_local'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud_metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrier_grade_nat'],
    ['fc00::1', 'unique_local'],
    ['fe80::1', 'link_local'],
    ['ff02::1', 'multicast'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['64:ff9b::a00:1', 'ipv4_embedded'],
    ['2002:a00:1::', 'ipv4_embedded'],
    ['fe80::1%eth0', 'invalid'],
    ['0x7f.1', 'invalid'],
    ['017.0.0.1', 'invalid'],
    ['example.com', 'invalid'],
    ['93.184.216.34', 'public'],
    ['2606:4700:4700::1111', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected)
    expect(checkAddress(address).allowed).toBe(expected === 'public')
  })

  it('allowPrivate admits loopback and private addresses, never metadata, unspecified or multicast', () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '100.64.0.1', 'fc00::1']) {
      expect(checkAddress(address, { allowPrivate: true }).allowed).toBe(true)
    }
    for (const address of ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '0.0.0.0', '::', '224.0.0.1', 'ff02::1']) {
      expect(checkAddress(address, { allowPrivate: true }).allowed).toBe(false)
    }
  })

  it('an IPv4 address is allowed exactly when it is outside every non-public range', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(checkAddress(address).allowed).toBe(!notPublicV4.check(address, 'ipv4'))
        if (mustRefuseV4.check(address, 'ipv4')) expect(checkAddress(address).allowed).toBe(false)
      }),
      { numRuns: 5_000 },
    )
  })

  it('the IPv4-mapped IPv6 form of an address gets the verdict of the address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(checkAddress(`::ffff:${address}`)).toEqual(checkAddress(address))
        expect(checkAddress(`::ffff:${address}`, { allowPrivate: true })).toEqual(checkAddress(address, { allowPrivate: true }))
      }),
    )
  })

  it('an allowed IPv6 address is global unicast and outside every refused range', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const { allowed } = checkAddress(address)
        if (mustRefuseV6.check(address, 'ipv6')) expect(allowed).toBe(false)
        if (allowed) expect(globalUnicastV6.check(address, 'ipv6')).toBe(true)
      }),
      { numRuns: 5_000 },
    )
  })

  it('refused IPv6 prefixes stay refused wherever the host part points', () => {
    const hostBits = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 })
    fc.assert(
      fc.property(fc.constantFrom(0xfc00, 0xfd00, 0xfe80, 0xfebf, 0xff00, 0xff02), hostBits, (first, rest) => {
        const address = [first, ...rest].map((part) => part.toString(16)).join(':')
        expect(checkAddress(address).allowed).toBe(false)
      }),
    )
  })

  it('a non-canonical IPv4 form is allowed only if the URL parser normalises it to an allowed address', () => {
    fc.assert(
      fc.property(fc.ipV4Extended(), (address) => {
        const normalised = new URL(`http://${address}/`).hostname
        if (checkAddress(address).allowed) expect(checkAddress(normalised).allowed).toBe(true)
        expect(checkAddress(normalised).allowed).toBe(!notPublicV4.check(normalised, 'ipv4'))
      }),
    )
  })
})
