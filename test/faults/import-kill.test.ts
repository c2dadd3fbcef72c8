import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Knex } from 'knex'
import type { Db } from '../../src/db/knex.js'
import {
  portalFolder,
  runCli,
  startCli,
  stopProcess,
  waitFor,
  type NodeProcess,
} from '../helpers/processes.js'

/**
 * An import stages its rows in short batches and moves them in with one last transaction, so a
 * process killed halfway leaves nothing anyone can see, and the database as it was.
 */

const slug = 'increasing-diversity-in-social-work-management'
const rows = 40_000

let folder: ReturnType<typeof portalFolder> | undefined
let db: Db | undefined
let cli: NodeProcess | undefined

afterEach(async () => {
  await stopProcess(cli)
  await db?.destroy()
  folder?.remove()
  folder = db = cli = undefined
})

async function count(query: Knex.QueryBuilder): Promise<number> {
  const rows = await query.count<{ n: number | string }[]>({ n: '*' })
  return Number(rows[0]?.n ?? 0)
}

describe('an import killed halfway', () => {
  it('leaves nothing visible and an intact database, and the same import then succeeds', async () => {
    folder = portalFolder('import-kill')
    const env = folder.env()
    const migrated = await runCli(['migrate'], env)
    expect(migrated.code, migrated.output).toBe(0)
    // Records already there stay as they were.
    const earlier = path.join(folder.dataDir, 'earlier.csv')
    writeFileSync(earlier, 'email,participated\nalready.here@example.org,2026-01-05\n')
    expect((await runCli(['import-records', '--study', slug, earlier], env)).code).toBe(0)

    const file = path.join(folder.dataDir, 'export.csv')
    const lines = Array.from({ length: rows }, (_, i) => `person${i}@example.org,2026-01-10,2026-01-20`)
    writeFileSync(file, `email,participated,voucher sent\n${lines.join('\n')}\n`)
    db = folder.db()
    const before = {
      records: await count(db('email_records')),
      events: await count(db('events')),
    }
    expect(before.records).toBe(1)

    cli = startCli(['import-records', '--study', slug, file], env)
    // Killed once it has staged some batches, well before it could have staged them all.
    const staged = await waitFor(
      'the import to stage rows',
      async () => {
        if (cli!.child.exitCode !== null)
          throw new Error(`The import finished before it was killed:\n${cli!.output()}`)
        const n = await count(db!('import_staging'))
        return n > 0 ? n : undefined
      },
      { timeoutMs: 60_000, everyMs: 10 },
    )
    cli.child.kill('SIGKILL')
    const exit = await cli.exited
    expect(exit.signal).toBe('SIGKILL')
    expect(staged).toBeLessThan(rows)

    // Nothing of it is visible: the records and the trail are as before.
    expect(await count(db('email_records'))).toBe(before.records)
    expect(await count(db('events'))).toBe(before.events)
    expect(await count(db('events').where({ kind: 'records.imported' }))).toBe(1)
    const integrity = await db.raw<{ integrity_check: string }[]>('PRAGMA integrity_check')
    expect(integrity).toEqual([{ integrity_check: 'ok' }])
    const left = await db('import_staging').distinct('import_id')
    expect(left, 'what the killed import staged is kept apart, in one batch set').toHaveLength(1)

    // The same file again: all of it, once.
    const again = await runCli(['import-records', '--study', slug, file], env)
    expect(again.code, again.output).toBe(0)
    expect(again.output).toContain(`Imported ${rows} rows: ${rows} new`)
    expect(await count(db('email_records'))).toBe(rows + 1)
    expect(await count(db('email_records').where({ email: 'person0@example.org' }))).toBe(1)
    expect(await count(db('events').where({ kind: 'records.imported' }))).toBe(2)
    // The re-run cleared its own staging; only the killed import's rows wait for the daily clean-up.
    expect(await db('import_staging').distinct('import_id')).toEqual(left)
    const after = await db.raw<{ integrity_check: string }[]>('PRAGMA integrity_check')
    expect(after).toEqual([{ integrity_check: 'ok' }])
  }, 150_000)
})
