import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  portalFolder,
  runCli,
  startCli,
  startPortalProcess,
  stopProcess,
  type NodeProcess,
  type PortalProcess,
} from '../helpers/processes.js'

/**
 * A large import shares the database politely: while the CLI imports beside the running server,
 * the public pages and readiness keep answering, and the import waits for the lock rather than
 * failing with SQLITE_BUSY.
 */

const slug = 'increasing-diversity-in-social-work-management'
const rows = 60_000

let folder: ReturnType<typeof portalFolder> | undefined
let portal: PortalProcess | undefined
let cli: NodeProcess | undefined

afterEach(async () => {
  await stopProcess(cli)
  await stopProcess(portal)
  folder?.remove()
  folder = portal = cli = undefined
})

describe('an import beside the running server', () => {
  it('keeps the home page and readiness answering, and completes without a busy error', async () => {
    folder = portalFolder('import-beside')
    const env = folder.env()
    expect((await runCli(['migrate'], env)).code).toBe(0)
    const file = path.join(folder.dataDir, 'export.csv')
    const lines = Array.from({ length: rows }, (_, i) => `person${i}@example.org,2026-01-10`)
    writeFileSync(file, `email,participated\n${lines.join('\n')}\n`)
    portal = await startPortalProcess(env)

    cli = startCli(['import-records', '--study', slug, file], env)
    const answers: { path: string; status: number; ms: number }[] = []
    while (cli.child.exitCode === null && cli.child.signalCode === null) {
      for (const page of ['/', '/readyz']) {
        const started = Date.now()
        const res = await fetch(`${portal.url}${page}`)
        await res.text()
        answers.push({ path: page, status: res.status, ms: Date.now() - started })
      }
    }
    const exit = await cli.exited
    expect(exit.code, cli.output()).toBe(0)
    expect(cli.output()).toContain(`Imported ${rows} rows: ${rows} new`)
    expect(cli.output()).not.toMatch(/SQLITE_BUSY|insert into|@example\.org/i)

    // Pages were asked for all through the import, and every one answered, promptly.
    expect(answers.length).toBeGreaterThan(4)
    expect(answers.filter((a) => a.status !== 200)).toEqual([])
    const slowest = Math.max(...answers.map((a) => a.ms))
    expect(slowest, JSON.stringify(answers.slice(-10))).toBeLessThan(5_000)
  }, 150_000)
})
