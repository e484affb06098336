import { describe, expect, it } from 'vitest'
import { renderRecord, renderTable } from './output.js'

describe('renderTable', () => {
  it('aligns columns under upper-snake headers; arrays joined, nulls as -', () => {
    const out = renderTable(
      [
        { agentId: 'a1', name: 'short', scopes: ['agents:read', 'audit:read'], owner: null },
        { agentId: 'a-longer-id', name: 'n', scopes: [], owner: 'ops' },
      ],
      ['agentId', 'name', 'scopes', 'owner'],
    )
    expect(out).toBe(
      ['AGENT_ID     NAME   SCOPES                  OWNER', 'a1           short  agents:read,audit:read  -', 'a-longer-id  n                              ops', ''].join('\n'),
    )
  })

  it('prints the header alone for an empty list', () => {
    expect(renderTable([], ['seq', 'action'])).toBe('SEQ  ACTION\n')
  })
})

describe('renderRecord', () => {
  it('aligns keys and renders nested objects as JSON', () => {
    expect(renderRecord({ a: 1, longer: { x: true } })).toBe('a:      1\nlonger: {"x":true}\n')
  })
})
