import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventHash, genesisHash, type ChainEvent, type ChainedContent } from '../../src/audit/chain.js'
import { stretches, verifyInParallel, type ParallelOptions } from '../../src/audit/parallel-verify.js'
import { auditRepo } from '../../src/audit/repo.js'
import { auditService } from '../../src/audit/service.js'
import { verifyChain, type VerifyOptions } from '../../src/audit/verify.js'
import { createDb, type Db } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { freshDb, usingPostgres } from '../helpers/db.js'

/** Long enough to be split into stretches read a few pages each. */
const length = 3000
const inStretches: ParallelOptions = { minEvents: 1000, threads: 2, pageSize: 250 }
const inOneWalk: ParallelOptions = { minEvents: Number.POSITIVE_INFINITY }

let dir: string
let db: Db
let destroy: () => Promise<void>
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'audit-verify-parallel-'))
  if (usingPostgres) {
    ;({ db, destroy } = await freshDb())
  } else {
    // Threads read the trail through connections of their own: a file, not memory.
    db = createDb({ client: 'sqlite', filename: path.join(dir, 'portal.sqlite') })
    destroy = () => db.destroy()
    await migrateLatest(db)
  }
  await fill(db, length)
})
afterEach(async () => {
  await destroy()
  await rm(dir, { recursive: true, force: true })
})

async function fill(on: Db, n: number) {
  let prevHash = genesisHash
  const rows = []
  for (let i = 1; i <= n; i++) {
    const content: ChainedContent = {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      occurredAt: new Date(Date.UTC(2026, 2, 2, 10, 0, 0, i)).toISOString(),
      actor: i % 3 ? { type: 'staff', id: `u-${i % 5}` } : { type: 'participant', id: null },
      subject: { type: 'request', id: `r-${i % 17}` },
      kind: i % 2 ? 'request.note_added' : 'case.assigned',
      data: { n: i, parts: ['data', 'whereHeld'], nested: { b: i % 2 === 0, a: 'é' } },
      prevHash,
    }
    const hash = eventHash(content)
    rows.push({
      id: content.id,
      occurred_at: content.occurredAt,
      actor_type: content.actor.type,
      actor_id: content.actor.id,
      subject_type: content.subject.type,
      subject_id: content.subject.id,
      kind: content.kind,
      data: JSON.stringify(content.data),
      prev_hash: prevHash,
      hash,
    })
    prevHash = hash
  }
  await on.batchInsert('events', rows, 200)
}

const service = (parallel: ParallelOptions, name: string) =>
  auditService({
    db,
    now: () => new Date(),
    signingKeyFile: path.join(dir, name, 'audit-signing-key.pem'),
    anchorFile: path.join(dir, name, 'audit-anchors.log'),
    parallel,
  })

/** The first seq of the second stretch the trail is cut into. */
const secondStretchStart = (all: number[]) => stretches(all[0]! - 1, all.at(-1)!, 2)[1]![0] + 1

const seqs = async () => (await db('events').orderBy('seq').pluck('seq')).map(Number)
const walked = (options: VerifyOptions = {}) =>
  verifyChain(auditRepo(db).chain(Number.MAX_SAFE_INTEGER), options)

async function inParallel(options: VerifyOptions = {}) {
  const repo = auditRepo(db)
  const all = await seqs()
  return verifyInParallel(repo.chainSource(), { first: all[0]!, through: all.at(-1)! }, options, inStretches)
}

// Each check from the TypeScript source starts threads that load it through tsx: slow on a busy machine.
describe('verifying a long trail in stretches side by side', { timeout: 60_000 }, () => {
  it('gives an intact trail the same verification as the single walk', async () => {
    const expected = await walked()
    expect(expected).toMatchObject({ ok: true, eventsChecked: length })
    expect(await inParallel()).toEqual(expected)
  })

  it('holds the trail to the anchor and the signed heads found in any stretch', async () => {
    const events: ChainEvent[] = []
    for await (const event of auditRepo(db).chain(Number.MAX_SAFE_INTEGER)) events.push(event)
    const signedAt = (count: number) => ({
      count,
      seq: events[count - 1]!.seq,
      hash: events[count - 1]!.hash,
      source: `the head signed at ${count}`,
    })
    const options: VerifyOptions = {
      anchor: { seq: events[2500]!.seq, hash: events[2500]!.hash },
      signedHeads: [signedAt(10), signedAt(1501), signedAt(length)],
    }
    expect(await inParallel(options)).toEqual(await walked(options))
    // A head found at another position, or beyond the end, is left to the single walk to report.
    expect(await inParallel({ signedHeads: [{ ...signedAt(1501), count: 1500 }] })).toBeNull()
    expect(await inParallel({ signedHeads: [{ ...signedAt(length), count: length + 1 }] })).toBeNull()
    expect(await inParallel({ anchor: { seq: events[5]!.seq, hash: events[6]!.hash } })).toBeNull()
  })

  it('records the same run as the single walk, and signs the head', async () => {
    const expected = await walked()
    const run = await service(inStretches, 'a').verify('cli')
    expect(run).toMatchObject({ result: 'ok', eventsChecked: length, firstBreak: null })
    const all = await seqs()
    expect(run.head).toEqual(expected.head)
    expect(run.signedHead).toMatchObject({ count: length, headSeq: all[length - 1] })
    // The next run holds the trail to that head, now inside a stretch, and to the signed one.
    const again = await service(inStretches, 'a').verify('cli')
    expect(again).toMatchObject({ result: 'ok', eventsChecked: length + 1 })
  })

  const tamperings: [string, (all: number[]) => Promise<unknown>, string][] = [
    [
      'changed content',
      (all) => db('events').where({ seq: all[1700] }).update({ data: '{"n":500}' }),
      'changed',
    ],
    // Not a text a thread can read back for certain: left to the single walk.
    [
      'a control character written into an event',
      (all) => db('events').where({ seq: all[1700] }).update({ subject_id: 'r-\u001f1' }),
      'changed',
    ],
    ['an event deleted inside a stretch', (all) => db('events').where({ seq: all[1700] }).del(), 'deleted'],
    // Where the first stretch ends and the second begins: each is intact on its own.
    [
      'an event deleted at a stretch’s start',
      (all) =>
        db('events')
          .where({ seq: secondStretchStart(all) })
          .del(),
      'deleted',
    ],
    [
      'two events put in each other’s place',
      async (all) => {
        await db('events').where({ seq: all[1700] }).update({ seq: -1 })
        await db('events').where({ seq: all[1701] }).update({ seq: all[1700] })
        await db('events').where({ seq: -1 }).update({ seq: all[1701] })
      },
      'reordered',
    ],
  ]
  for (const [what, tamper, kind] of tamperings) {
    it(`reports ${what} exactly as the single walk does`, async () => {
      expect((await service(inOneWalk, 'a').verify('cli')).result).toBe('ok')
      await tamper(await seqs())
      expect(await inParallel()).toBeNull()
      const run = await service(inStretches, 'a').verify('cli')
      const single = await service(inOneWalk, 'a').verify('cli')
      expect(run.firstBreak).toMatchObject({ kind })
      expect(run.firstBreak).toEqual(single.firstBreak)
      expect({ result: run.result, eventsChecked: run.eventsChecked, head: run.head }).toEqual({
        result: single.result,
        eventsChecked: single.eventsChecked,
        head: single.head,
      })
    })
  }

  it('walks a database in memory in one piece', async () => {
    const memory = createDb({ client: 'sqlite', filename: ':memory:' })
    try {
      expect(auditRepo(memory).chainSource()).toBeNull()
    } finally {
      await memory.destroy()
    }
  })
})
