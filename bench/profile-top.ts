/**
 * Top functions by self time of a V8 `.cpuprofile` (from `BENCH_CPU_PROF=<dir> npm run bench`):
 *
 *   node --import tsx bench/profile-top.ts <file.cpuprofile> [count] [--by-module]
 *
 * Prints a markdown table (self %, function, location), as quoted in bench/README.md; with
 * `--by-module`, self time grouped by package or Node module as a share of busy (non-idle) time.
 */
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile {
  nodes: ProfileNode[]
  samples?: number[]
}

async function main(): Promise<void> {
  const byModule = process.argv.includes('--by-module')
  const [file, countArg] = process.argv.slice(2).filter((a) => a !== '--by-module')
  if (file === undefined) throw new Error('usage: profile-top.ts <file.cpuprofile> [count]')
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
  const self = new Map<string, number>()
  let total = 0
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0
    total += hits
    const { functionName, url, lineNumber } = node.callFrame
    const where = url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/(packages|examples|bench)\//, '$1/')
    const key = `${functionName === '' ? '(anonymous)' : functionName} | ${where === '' ? '(native)' : `${where}:${lineNumber + 1}`}`
    self.set(key, (self.get(key) ?? 0) + hits)
  }
  if (byModule) {
    const modules = new Map<string, number>()
    let busy = 0
    for (const node of profile.nodes) {
      const { functionName, url } = node.callFrame
      if (functionName === '(idle)') continue
      const hits = node.hitCount ?? 0
      busy += hits
      const key =
        url === ''
          ? `native:${functionName}`
          : url.startsWith('node:')
            ? url
            : (/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? url.replace(/^.*?\/((packages|examples|bench)\/.*)$/, '$1').split('/').slice(0, 4).join('/'))
      modules.set(key, (modules.get(key) ?? 0) + hits)
    }
    process.stdout.write('| % of busy time | where |\n|---:|---|\n')
    for (const [key, hits] of [...modules.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 25))) {
      process.stdout.write(`| ${((100 * hits) / busy).toFixed(1)} | ${key} |\n`)
    }
    return
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 25))
  process.stdout.write('| self % | function | location |\n|---:|---|---|\n')
  for (const [key, hits] of rows) process.stdout.write(`| ${((100 * hits) / total).toFixed(1)} | ${key} |\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`)
  process.exit(1)
})
