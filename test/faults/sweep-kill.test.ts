import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
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
 * The retention sweep erases a thousand records per transaction: a sweep killed halfway leaves
 * every record either wholly erased (address, holdings, events and deletion tasks) or untouched,
 * and the next sweep does the rest.
 */

const slug = 'increasing-diversity-in-social-work-management'
// Several of the sweep's batches, so that it can be killed between two of them or inside one.
const records = 5000

let folder: ReturnType<typeof portalFolder> | undefined
let db: Db | undefined
let cli: NodeProcess | undefined

afterEach(async () => {
  await stopProcess(cli)
  await db?.destroy()
  folder?.remove()
  folder = db = cli = undefined
})

interface RecordState {
  id: string
  email: string | null
  erased_on: string | null
  platform_deleted_on: string | null
  voucher_deleted_on: string | null
}

/** Each record with what the sweep wrote about it. */
async function states(db: Db) {
  const rows = await db<RecordState>('email_records').select(
    'id',
    'email',
    'erased_on',
    'platform_deleted_on',
    'voucher_deleted_on',
  )
  const events = await db('events')
    .where({ subject_type: 'email_record' })
    .whereIn('kind', ['record.erased', 'record.holding_deleted'])
    .select('subject_id', 'kind')
  const tasks = await db('record_tasks').select('record_id', 'holding')
  return rows.map((r) => ({
    erased: r.email === null,
    shape: {
      erasedOn: r.erased_on !== null,
      holdingsDeleted: [r.platform_deleted_on, r.voucher_deleted_on].filter(Boolean).length,
      erasedEvents: events.filter((e) => e.subject_id === r.id && e.kind === 'record.erased').length,
      holdingEvents: events.filter((e) => e.subject_id === r.id && e.kind === 'record.holding_deleted')
        .length,
      tasks: tasks.filter((t) => t.record_id === r.id).length,
    },
  }))
}

const wholly = { erasedOn: true, holdingsDeleted: 2, erasedEvents: 1, holdingEvents: 2, tasks: 2 }
const untouched = { erasedOn: false, holdingsDeleted: 0, erasedEvents: 0, holdingEvents: 0, tasks: 0 }

describe('a retention sweep killed halfway', () => {
  it('leaves each record wholly erased or untouched, and the next sweep completes the rest', async () => {
    folder = portalFolder('sweep-kill')
    const env = folder.env()
    // Every retention period of these records ran out years ago.
    const file = path.join(folder.dataDir, 'export.csv')
    const lines = Array.from({ length: records }, (_, i) => `gone${i}@example.org,2020-06-01,2020-07-01`)
    writeFileSync(file, `email,participated,voucher sent\n${lines.join('\n')}\n`)
    const imported = await runCli(['import-records', '--study', slug, file], env)
    expect(imported.code, imported.output).toBe(0)
    db = folder.db()

    cli = startCli(['sweep'], env)
    await waitFor(
      'the sweep to erase some records',
      async () => {
        if (cli!.child.exitCode !== null)
          throw new Error(`The sweep finished before it was killed:\n${cli!.output()}`)
        const n = Number((await db!('events').where({ kind: 'record.erased' }).count({ n: '*' }))[0]?.n ?? 0)
        return n >= 20 ? n : undefined
      },
      { timeoutMs: 60_000, everyMs: 10 },
    )
    cli.child.kill('SIGKILL')
    expect((await cli.exited).signal).toBe('SIGKILL')

    const integrity = await db.raw<{ integrity_check: string }[]>('PRAGMA integrity_check')
    expect(integrity).toEqual([{ integrity_check: 'ok' }])
    const halfway = await states(db)
    const erased = halfway.filter((r) => r.erased)
    const kept = halfway.filter((r) => !r.erased)
    expect(erased.length).toBeGreaterThanOrEqual(20)
    expect(kept.length, 'killed before it could finish').toBeGreaterThan(0)
    for (const r of erased) expect(r.shape).toEqual(wholly)
    for (const r of kept) expect(r.shape).toEqual(untouched)

    const second = await runCli(['sweep'], env)
    expect(second.code, second.output).toBe(0)
    expect(second.output).toContain(`erased ${kept.length} addresses`)
    const after = await states(db)
    expect(after.filter((r) => !r.erased)).toEqual([])
    for (const r of after) expect(r.shape).toEqual(wholly)
    const verified = await runCli(['audit-verify'], env)
    expect(verified.code, verified.output).toBe(0)
  }, 150_000)
})
