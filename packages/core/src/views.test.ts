import { describe, expect, it } from 'vitest'
import { agentDid, didWebHost } from './views.js'

describe('didWebHost', () => {
  it('answers for the issuer asked, whichever was parsed before (the last one is remembered)', () => {
    expect(didWebHost('https://idp.example.com')).toBe('idp.example.com')
    expect(didWebHost('http://127.0.0.1:3000')).toBe('127.0.0.1%3A3000')
    expect(didWebHost('http://127.0.0.1:3000')).toBe('127.0.0.1%3A3000')
    expect(agentDid('https://idp.example.com', 'a1')).toBe('did:web:idp.example.com:agents:a1')
    expect(didWebHost('http://127.0.0.1:3000')).toBe('127.0.0.1%3A3000')
  })
})
