import { generateKeyPairSync } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventHash, type ChainEvent } from '../../src/audit/chain.js'
import { recordEvent } from '../../src/audit/events.js'
import { auditRepo } from '../../src/audit/repo.js'
import { signHead } from '../../src/audit/signed-head.js'
import { keyIdOf, publicKeyText, readOrCreateSigningKey } from '../../src/audit/signing-key.js'
import { verifyChain } from '../../src/audit/verify.js'
import { describeVerification, verifyTrailFile } from '../../src/cli/audit-verify.js'
import type { Db } from '../../src/db/knex.js'
import type { EventKind } from '../../src/domain/request-events.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
let dir: string
beforeEach(async () => {
  ctx = await createTestContext()
  dir = await mkdtemp(path.join(tmpdir(), 'audit-anchor-'))
})
afterEach(async () => {
  await ctx.destroy()
  await rm(dir, { recursive: true, force: true })
})

const db = () => ctx.services.db
const seqs = async () => (await db()('events').orderBy('seq').pluck('seq')).map(Number)
const anchorLines = async () => {
  const file = ctx.config.audit.anchorFile
  return existsSync(file) ? (await readFile(file, 'utf8')).trimEnd().split('\n') : []
}

async function recordEvents(n: number) {
  for (let i = 1; i <= n; i++) {
    await recordEvent(
      db(),
      {
        actor: { type: 'staff', id: 'u-1' },
        subject: { type: 'request', id: `r-${i}` },
        kind: (i % 2 ? 'request.note_added' : 'request.assigned') as EventKind,
        data: { n: i },
      },
      ctx.now(),
    )
  }
}

/** What the chain check said before heads were signed: the links, and the last verification's head. */
async function unsignedCheck(on: Db) {
  const repo = auditRepo(on)
  return verifyChain(repo.chain(Number.MAX_SAFE_INTEGER), { anchor: await repo.lastIntactHead() })
}

/** Someone with write access to the database changes one event and re-hashes every later one. */
async function rewriteAndRehash(on: Db, seq: number) {
  const events: ChainEvent[] = []
  for await (const event of auditRepo(on).chain(Number.MAX_SAFE_INTEGER)) events.push(event)
  const from = events.findIndex((e) => e.seq === seq)
  let prevHash = events[from - 1]!.hash
  for (const event of events.slice(from)) {
    const data = event.seq === seq ? { n: 'rewritten' } : event.data
    const hash = eventHash({ ...event, data, prevHash })
    await on('events')
      .where({ seq: event.seq })
      .update({ data: JSON.stringify(data), prev_hash: prevHash, hash })
    // And makes every verification that saw this event agree with its new hash.
    await on('audit_verifications').where({ head_seq: event.seq }).update({ head_hash: hash })
    prevHash = hash
  }
}

describe('a trail rewritten by someone with write access to the database', () => {
  it('is tampered when an event is changed and every later hash recomputed, with the verification rows to match', async () => {
    await recordEvents(12)
    expect((await ctx.services.audit.verify('cli')).result).toBe('ok')
    const twelfth = (await seqs())[11]!

    const [, , , , fifth] = await seqs()
    await rewriteAndRehash(db(), fifth!)
    // The database's own copies of the signed heads go too.
    await db()('audit_anchors').del()
    // Every link holds and the last verification's head agrees: the chain alone says intact.
    expect(await unsignedCheck(db())).toMatchObject({ ok: true, firstBreak: null })

    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({
      result: 'tampered',
      eventsChecked: 11,
      head: null,
      signedHead: null,
      firstBreak: { kind: 'rewritten', seq: twelfth },
    })
    expect(run.firstBreak?.detail).toContain('(line 1 of audit-anchors.log)')
    expect(describeVerification(run).stdout).toMatch(
      new RegExp(
        `^Audit trail tampered at seq ${twelfth} \\(id [0-9a-f-]+, kind request\\.assigned\\): rewritten, `,
      ),
    )
    // Nothing is signed for a tampered trail.
    expect(await anchorLines()).toHaveLength(1)
    expect(await ctx.services.audit.recentVerifications(1)).toMatchObject([
      { result: 'tampered', firstBreak: { kind: 'rewritten', seq: twelfth } },
    ])
  })

  it('is tampered when its last events are deleted with every verification and signed head in the database', async () => {
    await recordEvents(12)
    expect((await ctx.services.audit.verify('cli')).result).toBe('ok')
    await recordEvents(3)
    expect((await ctx.services.audit.verify('cli')).result).toBe('ok')
    const all = await seqs()
    expect(all).toHaveLength(17)
    // The last six events (both verifications' own and five they signed for) and every row that
    // remembered them.
    await db()('events').where('seq', '>=', all[11]!).del()
    await db()('audit_verifications').del()
    await db()('audit_anchors').del()
    expect(await unsignedCheck(db())).toMatchObject({ ok: true, eventsChecked: 11 })

    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({
      result: 'tampered',
      eventsChecked: 11,
      firstBreak: { kind: 'truncated', seq: all[15], eventId: null },
    })
    expect(run.firstBreak?.detail).toMatch(
      /^the trail holds 11 events, but the head signed at \S+ \(line 2 of audit-anchors\.log\) counts 16 /,
    )
    expect(describeVerification(run)).toMatchObject({
      exitCode: 1,
      stdout: expect.stringMatching(/^Audit trail tampered at seq \d+: truncated, the trail holds 11 events/),
    })
  })

  it('is tampered when only the database’s copy of a signed head is deleted', async () => {
    await recordEvents(3)
    expect((await ctx.services.audit.verify('cli')).result).toBe('ok')
    await db()('audit_anchors').del()
    const run = await ctx.services.audit.verify('cli')
    expect(run).toMatchObject({ result: 'tampered', firstBreak: { kind: 'unanchored' } })
    expect(run.firstBreak?.detail).toContain('(line 1 of audit-anchors.log) is missing from the database')
  })

  it('is tampered when a signed head is forged in the database or edited in the anchor log', async () => {
    await recordEvents(3)
    const { signedHead } = await ctx.services.audit.verify('cli')
    // A row claiming a longer trail, with a signature nobody could make without the key.
    await db()('audit_anchors').insert({
      id: 'forged',
      anchored_at: '2026-03-02T11:00:00.000Z',
      reason: 'verified',
      event_count: 99,
      head_seq: 99,
      head_hash: 'a'.repeat(64),
      key_id: signedHead!.keyId,
      signature: signedHead!.signature,
    })
    const forged = await ctx.services.audit.verify('cli')
    expect(forged).toMatchObject({ result: 'tampered', firstBreak: { kind: 'unsigned', seq: 99 } })
    expect(forged.firstBreak?.detail).toBe(
      'the head forged in the database does not verify: the row was forged or edited',
    )
    await db()('audit_anchors').where({ id: 'forged' }).del()

    const file = ctx.config.audit.anchorFile
    await writeFile(file, (await readFile(file, 'utf8')).replace('"count":3', '"count":2'))
    const edited = await ctx.services.audit.verify('cli')
    expect(edited).toMatchObject({
      result: 'tampered',
      firstBreak: { kind: 'unsigned', detail: 'line 1 of audit-anchors.log: its signature does not verify' },
    })
  })

  it('is tampered when the signing key is removed or replaced', async () => {
    await recordEvents(3)
    expect((await ctx.services.audit.verify('cli')).result).toBe('ok')
    const { keyId } = ctx.services.audit.signingKey()!
    await unlink(ctx.config.audit.signingKeyFile)
    expect(await ctx.services.audit.verify('cli')).toMatchObject({
      result: 'tampered',
      firstBreak: {
        kind: 'unsigned',
        detail: 'line 1 of audit-anchors.log was signed, but the signing key is missing',
      },
    })
    const replaced = readOrCreateSigningKey(ctx.config.audit.signingKeyFile)
    expect(await ctx.services.audit.verify('cli')).toMatchObject({
      result: 'tampered',
      firstBreak: {
        kind: 'unsigned',
        detail: `line 1 of audit-anchors.log was signed by another key (${keyId}), not the signing key (${replaced.keyId})`,
      },
    })
  })
})

describe('a downloaded trail', () => {
  async function download() {
    const { agent } = await signedInAgent(ctx, 'auditor')
    const res = await agent
      .get('/staff/audit/trail.ndjson')
      .buffer(true)
      .parse((r, done) => {
        let text = ''
        r.setEncoding('utf8')
        r.on('data', (chunk: string) => (text += chunk))
        r.on('end', () => done(null, text))
      })
      .expect(200)
    return (res.body as string).trimEnd().split('\n')
  }

  async function check(lines: string[], publicKey: string | null = null) {
    const file = path.join(dir, 'trail.ndjson')
    await writeFile(file, `${lines.join('\n')}\n`)
    return verifyTrailFile(file, publicKey)
  }

  it('fails when its last lines are missing, its own export event included', async () => {
    await recordEvents(5)
    const lines = await download()
    const exported = lines.findIndex((line) => line.includes('"kind":"audit.trail_exported"'))
    expect(await check(lines)).toMatchObject({ exitCode: 0 })

    // Cut just before the export's own event: every link of what is left holds.
    const cut = await check(lines.slice(0, exported))
    expect(cut.exitCode).toBe(1)
    expect(cut.stdout).toMatch(
      /^Audit trail tampered: truncated, the file ends without its signed trailer: it was cut short/,
    )
    expect(exported).toBe(lines.length - 2)
    expect((await check(lines.slice(0, -1))).stdout).toMatch(
      /^Audit trail tampered: truncated, the file ends without/,
    )
    // The trailer kept, an event before it gone.
    expect((await check([...lines.slice(0, -2), lines.at(-1)!])).stdout).toMatch(
      /^Audit trail tampered at seq \d+: truncated, the file holds \d+ events, but its trailer signed \d+/,
    )
  })

  it('fails when its trailer is edited, or anything follows it', async () => {
    await recordEvents(5)
    const lines = await download()
    const trailer = lines.at(-1)!
    const recounted = trailer.replace(/"count":(\d+)/, (_, n: string) => `"count":${Number(n) - 1}`)
    expect((await check([...lines.slice(0, -2), recounted])).stdout).toMatch(
      /^Audit trail tampered: unsigned, the trailer’s signature does not verify/,
    )
    expect((await check([...lines, lines[0]!])).stdout).toMatch(
      /^Audit trail broken: line \d+ is not an event of the trail: it comes after the signed trailer/,
    )
  })

  it('rewritten and re-signed with another key, passes only a check without the trusted key', async () => {
    await recordEvents(5)
    const lines = await download()
    const events = lines.slice(0, -1).map((line) => JSON.parse(line) as ChainEvent)
    // Event 3 changed and everything after it re-hashed, the trailer signed again with a new key.
    for (let i = 2; i < events.length; i++) {
      const prevHash = events[i - 1]!.hash
      const data = i === 2 ? { n: 'rewritten' } : events[i]!.data
      events[i] = { ...events[i]!, data, prevHash, hash: eventHash({ ...events[i]!, data, prevHash }) }
    }
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const key = { privateKey, publicKey, keyId: keyIdOf(publicKey) }
    const { signedHead } = JSON.parse(lines.at(-1)!) as { signedHead: Parameters<typeof signHead>[0] }
    const resigned = signHead({ ...signedHead, headHash: events.at(-1)!.hash }, key)
    const forged = [
      ...events.map((e) => JSON.stringify(e)),
      JSON.stringify({ signedHead: resigned, publicKey: publicKeyText(publicKey) }),
    ]
    expect(await check(forged)).toMatchObject({
      exitCode: 0,
      stdout: expect.stringContaining('not checked against a trusted key'),
    })
    const trusted = path.join(dir, 'portal.pub.pem')
    await writeFile(trusted, ctx.services.audit.signingKey()!.pem)
    expect(await check(lines, trusted)).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/by key [0-9a-f]{64}, the trusted key\.\n$/),
    })
    expect(await check(forged, trusted)).toMatchObject({
      exitCode: 1,
      stdout: expect.stringMatching(
        /^Audit trail tampered: unsigned, the trailer was signed by key [0-9a-f]{64}, not the trusted key/,
      ),
    })
  })

  it('signs its head into the database and the anchor log, where the next verification holds the trail to it', async () => {
    await recordEvents(5)
    const lines = await download()
    const { signedHead } = JSON.parse(lines.at(-1)!) as { signedHead: Record<string, unknown> }
    expect(JSON.parse((await anchorLines())[0]!)).toEqual(signedHead)
    const rows: { id: string; reason: string; event_count: number | string }[] = await db()(
      'audit_anchors',
    ).select('id', 'reason', 'event_count')
    expect(rows.map((r) => ({ ...r, event_count: Number(r.event_count) }))).toEqual([
      { id: signedHead.id, reason: 'exported', event_count: lines.length - 1 },
    ])
    // Cut back to before the export: caught by the head the export signed.
    await db()('events')
      .where('seq', '>=', (await seqs())[5]!)
      .del()
    await db()('audit_anchors').del()
    expect(await ctx.services.audit.verify('cli')).toMatchObject({
      result: 'tampered',
      firstBreak: { kind: 'truncated' },
    })
  })

  it('carries no trailer, and signs nothing, when the trail is not intact', async () => {
    await recordEvents(5)
    expect((await ctx.services.audit.verify('cli')).result).toBe('ok')
    await rewriteAndRehash(db(), (await seqs())[2]!)
    const lines = await download()
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ kind: 'audit.trail_exported' })
    expect(await anchorLines()).toHaveLength(1)
    expect((await check(lines)).stdout).toMatch(
      /^Audit trail tampered: truncated, the file ends without its signed trailer/,
    )
  })
})

describe('the audit trail page', () => {
  it('shows the last signed head and the public key to publish, and a trail tampered with', async () => {
    await recordEvents(3)
    const { agent } = await signedInAgent(ctx, 'auditor')
    const before = await agent.get('/staff/audit').expect(200)
    expect(before.text).toContain('No head has been signed yet')
    expect(before.text).not.toContain('BEGIN PUBLIC KEY')
    await agent
      .post('/staff/audit/verify')
      .type('form')
      .send({ _csrf: csrfFrom(before.text) })
      .expect(303)
    const signed = await agent.get('/staff/audit').expect(200)
    const { keyId } = ctx.services.audit.signingKey()!
    expect(signed.text).toContain('Last signed head')
    expect(signed.text).toContain(keyId)
    expect(signed.text).toContain('-----BEGIN PUBLIC KEY-----')

    await db()('events')
      .where('seq', '>=', (await seqs())[1]!)
      .del()
    await agent
      .post('/staff/audit/verify')
      .type('form')
      .send({ _csrf: csrfFrom(signed.text) })
      .expect(303)
    const tampered = await agent.get('/staff/audit').expect(200)
    expect(tampered.text).toContain('The audit trail was tampered with')
    expect(tampered.text).toContain('Tampered with')
    expect(tampered.text).toContain('Events signed for are missing from the end')
  })
})
