import type { EventKind } from '../../src/domain/request-events.js'
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { up as chainUp, down as chainDown } from '../../migrations/20261125000100_add_event_hash_chain.js'
import { genesisHash } from '../../src/audit/chain.js'
import { recordEvent } from '../../src/audit/events.js'
import { readTrail } from '../../src/audit/ndjson.js'
import { auditRepo } from '../../src/audit/repo.js'
import { verifyChain } from '../../src/audit/verify.js'
import { verifyTrailFile } from '../../src/cli/audit-verify.js'
import { createDb, type Db } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { importEmailRecords } from '../../src/records/import.js'
import { createTestContext, csrfFrom, testSecret, type TestContext } from '../helpers/context.js'
import { postgresUrlFor, usingPostgres } from '../helpers/db.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
let dir: string
beforeEach(async () => {
  ctx = await createTestContext()
  dir = await mkdtemp(path.join(tmpdir(), 'audit-trail-'))
})
afterEach(async () => {
  await ctx.destroy()
  await rm(dir, { recursive: true, force: true })
})

const verifyDb = (db: Db) => verifyChain(auditRepo(db).chain(Number.MAX_SAFE_INTEGER))
const seqs = async (db: Db) => (await db('events').orderBy('seq').pluck('seq')).map(Number)

/** A few hundred events from the real use cases: staff, sign-ins, requests, an import and a sweep. */
async function busyPortal() {
  const { agent } = await signedInAgent(ctx, 'admin')
  const stranger = ctx.agent()
  const page = await stranger.get('/staff/login')
  await stranger
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email: 'someone@portal.test', password: 'not the password' })
    .expect(400)
  const studyId = (await ctx.services.studies.listAccepting())[0]!.id
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId,
      open: () =>
        Readable.from([
          'email,participated\n' +
            Array.from({ length: 30 }, (_, i) => `p${i}@example.org,2021-06-01`).join('\n') +
            '\n',
        ]),
      actor: { type: 'system', id: 'test' },
    },
  )
  for (let i = 0; i < 10; i++) await fileConfirmedRequest(ctx, { email: `p${i}@example.org` })
  expect((await ctx.services.sweep.run()).erased).toBeGreaterThan(0)
  return { agent }
}

describe('the hash chain in the database', () => {
  it('links every event recorded by the portal, and verifies', async () => {
    await busyPortal()
    const rows = await ctx.services.db('events').orderBy('seq').select('prev_hash', 'hash')
    expect(rows.length).toBeGreaterThan(50)
    expect(rows[0].prev_hash).toBe(genesisHash)
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash)
    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({ result: 'ok', eventsChecked: rows.length, firstBreak: null })
    expect(await ctx.services.db('events').where({ kind: 'audit.verified' })).toHaveLength(1)
    expect((await verifyDb(ctx.services.db)).ok).toBe(true)
  })

  it('chains the events already recorded when the chain is added', async () => {
    const { db } = ctx.services
    await chainDown(db)
    const legacy = Array.from({ length: 1200 }, (_, i) => ({
      id: `legacy-${String(i).padStart(4, '0')}`,
      occurred_at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      actor_type: 'system',
      actor_id: i % 2 ? null : 'job',
      subject_type: 'request',
      subject_id: `r-${i % 7}`,
      kind: 'request.legacy',
      data: JSON.stringify({ i, note: 'ünïcode', nested: { b: [1, 2], a: null } }),
    }))
    for (let i = 0; i < legacy.length; i += 200) await db('events').insert(legacy.slice(i, i + 200))
    await chainUp(db)
    expect(await verifyDb(db)).toMatchObject({ ok: true, eventsChecked: 1200 })
    await recordEvent(
      db,
      { actor: { type: 'system', id: 'test' }, subject: { type: 't', id: '1' }, kind: 'after' as EventKind },
      ctx.now(),
    )
    expect(await verifyDb(db)).toMatchObject({ ok: true, eventsChecked: 1201 })
  })

  it('refuses a second event after the same one: the chain cannot fork', async () => {
    await busyPortal()
    const { seq: _seq, ...last } = await ctx.services.db('events').orderBy('seq', 'desc').first()
    await expect(
      ctx.services.db('events').insert({ ...last, id: 'fork', hash: 'f'.repeat(64) }),
    ).rejects.toThrow(/unique/i)
  })

  it('never forks when many transactions append at once', async () => {
    const { db } = ctx.services
    const append = (on: Db, i: number) =>
      on.transaction(async (trx) => {
        await recordEvent(
          trx,
          {
            actor: { type: 'system', id: 'test' },
            subject: { type: 'test', id: String(i) },
            kind: 'test.append' as EventKind,
          },
          new Date(),
        )
        // Hold the transaction open a little, as a real use case would.
        await new Promise((resolve) => setTimeout(resolve, i % 3))
      })
    if (usingPostgres) {
      // A second pool on the same schema: another server process.
      const { d: database, s: schema } = (
        await db.raw<{ rows: { d: string; s: string }[] }>(
          'select current_database() as d, current_schema() as s',
        )
      ).rows[0]!
      const other = createDb(
        { client: 'postgres', connectionString: postgresUrlFor(database) },
        { searchPath: schema },
      )
      try {
        await Promise.all(Array.from({ length: 50 }, (_, i) => append(i % 2 ? other : db, i)))
      } finally {
        await other.destroy()
      }
    } else {
      await Promise.all(Array.from({ length: 50 }, (_, i) => append(db, i)))
    }
    expect(await db('events').where({ kind: 'test.append' })).toHaveLength(50)
    expect(await verifyDb(db)).toMatchObject({ ok: true, eventsChecked: 50 })
  })

  it('never forks when two processes append to one SQLite file', async () => {
    const file = path.join(dir, 'shared.sqlite')
    const first = createDb({ client: 'sqlite', filename: file })
    await migrateLatest(first)
    const second = createDb({ client: 'sqlite', filename: file })
    try {
      const append = (on: Db, i: number) =>
        recordEvent(
          on,
          {
            actor: { type: 'system', id: 'test' },
            subject: { type: 'test', id: String(i) },
            kind: 'test.append' as EventKind,
          },
          new Date(),
        )
      await Promise.all(Array.from({ length: 50 }, (_, i) => append(i % 2 ? second : first, i)))
      expect(await verifyDb(first)).toMatchObject({ ok: true, eventsChecked: 50 })
    } finally {
      await second.destroy()
      await first.destroy()
    }
  })
})

describe('tampering in the database', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 12; i++) {
      await recordEvent(
        ctx.services.db,
        {
          actor: { type: 'staff', id: 'u-1' },
          subject: { type: 'request', id: `r-${i}` },
          kind: (i % 2 ? 'request.note_added' : 'request.assigned') as EventKind,
          data: { n: i },
        },
        ctx.now(),
      )
    }
  })

  it('finds an edited event', async () => {
    const [, , , , fifth] = await seqs(ctx.services.db)
    await ctx.services.db('events').where({ seq: fifth }).update({ data: '{"n":500}' })
    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({
      result: 'broken',
      eventsChecked: 4,
      firstBreak: { kind: 'changed', seq: fifth },
    })
    expect(run.firstBreak?.eventKind).toBe('request.note_added')
  })

  it('finds a deleted event', async () => {
    const [, , , , fifth, sixth] = await seqs(ctx.services.db)
    await ctx.services.db('events').where({ seq: fifth }).del()
    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({ result: 'broken', firstBreak: { kind: 'deleted', seq: sixth } })
  })

  it('finds two events put in each other’s place', async () => {
    const { db } = ctx.services
    const [, , , , fifth, sixth] = await seqs(db)
    await db('events').where({ seq: fifth }).update({ seq: -1 })
    await db('events').where({ seq: sixth }).update({ seq: fifth })
    await db('events').where({ seq: -1 }).update({ seq: sixth })
    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({ result: 'broken', firstBreak: { kind: 'reordered', seq: fifth } })
  })

  it('finds events removed from the end since the last verification', async () => {
    const { db } = ctx.services
    expect((await ctx.services.audit.verify('cli')).result).toBe('ok')
    const last = (await seqs(db)).at(-1)!
    // The verification's own event, and the last event it saw, both gone.
    await db('events')
      .where('seq', '>=', last - 1)
      .del()
    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({
      result: 'tampered',
      firstBreak: { kind: 'truncated', seq: last - 1, eventId: null },
    })
    const [latest] = await ctx.services.audit.recentVerifications(1)
    expect(latest).toMatchObject({ result: 'tampered', verifiedBy: 'cli', firstBreak: { kind: 'truncated' } })
  })
})

describe('the exported trail', () => {
  async function download(role: 'admin' | 'dpo' | 'auditor' = 'auditor') {
    const { agent, user } = await signedInAgent(ctx, role)
    const res = await agent
      .get('/staff/audit/trail.ndjson')
      .buffer(true)
      .parse((r, done) => {
        let text = ''
        r.setEncoding('utf8')
        r.on('data', (chunk: string) => (text += chunk))
        r.on('end', () => done(null, text))
      })
    return { res, text: res.body as string, user }
  }

  it('is an attachment, never cached, holding everything up to its own record, then its signed trailer', async () => {
    await busyPortal()
    const before = await ctx.services.db('events').count({ n: '*' })
    const { res, text, user } = await download()
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/)
    expect(res.headers['content-disposition']).toBe('attachment; filename="audit-trail-2026-03-02.ndjson"')
    expect(res.headers['cache-control']).toBe('no-store')
    const lines = text.trimEnd().split('\n')
    const { agent } = await signedInAgent(ctx, 'dpo')
    await agent.head('/staff/audit/trail.ndjson').expect(200)
    expect(await ctx.services.db('events').where({ kind: 'audit.trail_exported' })).toHaveLength(1)
    // Everything before, the auditor's sign-in, the export's own event, and the trailer.
    const events = Number(before[0]!.n) + 3
    expect(lines.length).toBe(events + 1)
    const last = JSON.parse(lines.at(-2)!) as Record<string, unknown>
    expect(last).toMatchObject({ kind: 'audit.trail_exported', actor: { type: 'staff', id: user.id } })
    expect(Object.keys(last)).toEqual([
      'seq',
      'id',
      'occurredAt',
      'actor',
      'subject',
      'kind',
      'data',
      'prevHash',
      'hash',
    ])
    expect(text).not.toContain('@example.org')
    expect(await verifyChain(readTrail(Readable.from([text])))).toMatchObject({
      ok: true,
      eventsChecked: events,
    })
    const trailer = JSON.parse(lines.at(-1)!) as { signedHead: Record<string, unknown>; publicKey: string }
    expect(Object.keys(trailer)).toEqual(['signedHead', 'publicKey'])
    expect(trailer.signedHead).toMatchObject({
      reason: 'exported',
      count: events,
      headSeq: last.seq,
      headHash: last.hash,
      keyId: ctx.services.audit.signingKey()!.keyId,
    })
  })

  it('is checked offline, and every kind of tampering in the file is found', async () => {
    await busyPortal()
    const { text } = await download()
    const file = path.join(dir, 'trail.ndjson')
    await writeFile(file, text)
    expect(await verifyTrailFile(file)).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^Audit trail intact: /),
    })

    const lines = text.trimEnd().split('\n')
    const edited = [...lines]
    edited[10] = edited[10]!.replace(/"kind":"([^"]+)"/, '"kind":"$1.edited"')
    const without = lines.filter((_, i) => i !== 10)
    const swapped = [...lines.slice(0, 10), lines[11]!, lines[10]!, ...lines.slice(12)]
    const cases = [
      {
        lines: edited,
        expected: /broken at seq \d+ \(id .+, kind .+\.edited\): changed, its content no longer matches/,
      },
      {
        lines: without,
        expected: /broken at seq \d+ .*: deleted, the event it was chained after is missing/,
      },
      { lines: swapped, expected: /broken at seq \d+ .*: reordered/ },
      {
        lines: [...lines.slice(0, -1), lines.at(-1)!.slice(0, 40)],
        expected: /broken: line \d+ is not an event/,
      },
    ]
    for (const c of cases) {
      await writeFile(file, `${c.lines.join('\n')}\n`)
      const result = await verifyTrailFile(file)
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(c.expected)
    }
  })

  it('is checked by the command line without a database', async () => {
    await busyPortal()
    const { text } = await download()
    const file = path.join(dir, 'trail.ndjson')
    await writeFile(file, text)
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit-verify', ...args], {
        encoding: 'utf8',
        // No configuration at all: --file needs none.
        env: { PATH: process.env.PATH ?? '' },
        timeout: 30_000,
      })
    const intact = cli('--file', file)
    expect(intact.status).toBe(0)
    expect(intact.stdout).toMatch(
      /^Audit trail intact: [\d,]+ events checked; last event seq \d+, hash [0-9a-f]{64}; signed at \S+ by key [0-9a-f]{64} \(not checked against a trusted key: pass --public-key\)\.\n$/,
    )
    const otherKey = path.join(dir, 'other.pub.pem')
    await writeFile(
      otherKey,
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    )
    const untrusted = cli('--file', file, `--public-key=${otherKey}`)
    expect(untrusted.status).toBe(1)
    expect(untrusted.stdout).toMatch(
      /^Audit trail tampered: unsigned, the trailer was signed by key [0-9a-f]{64}, not the trusted key/,
    )
    await writeFile(file, text.replace('"kind":"staff.login"', '"kind":"staff.logout"'))
    const broken = cli(`--file=${file}`)
    expect(broken.status).toBe(1)
    expect(broken.stdout).toMatch(
      /^Audit trail broken at seq \d+ \(id [0-9a-f-]+, kind staff\.logout\): changed/,
    )
    expect(cli('--frobnicate').status).toBe(2)
  }, 60_000)

  it('is checked in the database by the command line, which records the verification', async () => {
    const file = path.join(dir, 'portal.sqlite')
    const db = createDb({ client: 'sqlite', filename: file })
    try {
      await migrateLatest(db)
      await recordEvent(
        db,
        { actor: { type: 'system', id: 'test' }, subject: { type: 't', id: '1' }, kind: 'test' as EventKind },
        new Date(),
      )
    } finally {
      await db.destroy()
    }
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: `sqlite:${file}`,
      SECRET: testSecret,
      DATA_DIR: dir,
    }
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit-verify'], {
      encoding: 'utf8',
      env,
      timeout: 30_000,
    })
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^Audit trail intact: 1 events checked/)
    expect(run.stdout).toContain(`; head signed by key `)
    expect(run.stdout).toContain(` into ${path.join(dir, 'audit-anchors.log')}.\n`)
    expect(run.status).toBe(0)
    const after = createDb({ client: 'sqlite', filename: file })
    try {
      expect(await after('audit_verifications').select('verified_by', 'result')).toEqual([
        { verified_by: 'cli', result: 'ok' },
      ])
      expect(await after('events').where({ kind: 'audit.verified' }).first()).toMatchObject({
        actor_type: 'system',
        actor_id: 'cli',
      })
    } finally {
      await after.destroy()
    }
  }, 60_000)
})

describe('the audit trail page', () => {
  it('lets an auditor verify the trail and see the result, and the download is there', async () => {
    const { agent, user } = await signedInAgent(ctx, 'auditor')
    const empty = await agent.get('/staff/audit').expect(200)
    expect(empty.text).toContain('has not been verified yet')
    expect(empty.text).toContain('href="/staff/audit/trail.ndjson"')
    expect(empty.text).toContain('href="/staff/audit">Audit trail</a>')
    await agent
      .post('/staff/audit/verify')
      .type('form')
      .send({ _csrf: csrfFrom(empty.text) })
      .expect(303)
      .expect('Location', '/staff/audit')
    const page = await agent.get('/staff/audit').expect(200)
    expect(page.text).toContain('The audit trail is intact')
    expect(page.text).toContain('Intact')
    expect(page.text).toContain(user.displayName)
    const event = await ctx.services.db('events').where({ kind: 'audit.verified' }).first()
    expect(event).toMatchObject({ actor_type: 'staff', actor_id: user.id })
  })

  it('shows where the trail is broken', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const [, second] = await seqs(ctx.services.db)
    await ctx.services.db('events').where({ seq: second }).update({ occurred_at: '2020-01-01T00:00:00.000Z' })
    const page = await agent.get('/staff/audit')
    await agent
      .post('/staff/audit/verify')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    const after = await agent.get('/staff/audit').expect(200)
    expect(after.text).toContain('Broken')
    expect(after.text).toContain(`Event ${second} (`)
    expect(after.text).toContain('An event was changed')
  })

  it('refuses a verification without the form’s CSRF token', async () => {
    const { agent } = await signedInAgent(ctx, 'auditor')
    await agent.post('/staff/audit/verify').type('form').send({}).expect(403)
    await agent.post('/staff/audit/verify').type('form').send({ _csrf: 'forged' }).expect(403)
    expect(await ctx.services.db('audit_verifications')).toHaveLength(0)
  })

  it('sends a signed-out visitor to sign in', async () => {
    await ctx.agent().get('/staff/audit').expect(303).expect('Location', '/staff/login')
    await ctx.agent().get('/staff/audit/trail.ndjson').expect(303).expect('Location', '/staff/login')
  })
})
