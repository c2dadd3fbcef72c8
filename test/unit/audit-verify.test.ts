import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { eventHash, genesisHash, type ChainEvent } from '../../src/audit/chain.js'
import { signHead, type TrailTrailer } from '../../src/audit/signed-head.js'
import { keyIdOf, publicKeyText, type SigningKey } from '../../src/audit/signing-key.js'
import { verifyChain, type SignedHeadCheck } from '../../src/audit/verify.js'
import {
  describeVerification,
  parseAuditVerifyArgs,
  trailerProblem,
  verifyTrailFile,
} from '../../src/cli/audit-verify.js'

/** A clean chain of n events, seq 1…n. */
function chain(n: number): ChainEvent[] {
  const events: ChainEvent[] = []
  let prevHash = genesisHash
  for (let seq = 1; seq <= n; seq++) {
    const content = {
      id: `event-${seq}`,
      occurredAt: new Date(Date.UTC(2026, 2, 2, 10, 0, seq)).toISOString(),
      actor: { type: 'staff', id: 'u-1' },
      subject: { type: 'request', id: `r-${seq % 3}` },
      kind: seq % 2 ? 'request.note_added' : 'request.assigned',
      data: { n: seq },
      prevHash,
    }
    const hash = eventHash(content)
    events.push({ ...content, seq, hash })
    prevHash = hash
  }
  return events
}

async function* streamed(events: ChainEvent[]): AsyncGenerator<ChainEvent> {
  for (const event of events) {
    await Promise.resolve()
    yield event
  }
}

const at = (events: ChainEvent[], seq: number) => events.find((e) => e.seq === seq)!

/** Every event from `fromSeq` on given new content and re-hashed: each link still holds. */
function rewrittenFrom(events: ChainEvent[], fromSeq: number): ChainEvent[] {
  const rewritten = events.filter((e) => e.seq < fromSeq)
  for (const e of events.filter((e) => e.seq >= fromSeq)) {
    const content = { ...e, data: { n: 'rewritten' }, prevHash: rewritten.at(-1)?.hash ?? genesisHash }
    rewritten.push({ ...content, hash: eventHash(content) })
  }
  return rewritten
}

const signedAt = (events: ChainEvent[], count: number): SignedHeadCheck => ({
  count,
  seq: events[count - 1]!.seq,
  hash: events[count - 1]!.hash,
  source: `the head signed at test (line ${count} of audit-anchors.log)`,
})

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) }
}

describe('verifying the chain', () => {
  it('passes a clean chain and reports its head', async () => {
    const events = chain(20)
    expect(await verifyChain(streamed(events))).toEqual({
      ok: true,
      eventsChecked: 20,
      head: { seq: 20, hash: at(events, 20).hash },
      firstBreak: null,
    })
  })

  it('passes an empty trail', async () => {
    expect(await verifyChain([])).toMatchObject({ ok: true, eventsChecked: 0, head: null })
  })

  it('accepts gaps in seq where the links hold (an append rolled back)', async () => {
    const events = chain(5).map((e) => (e.seq > 2 ? { ...e, seq: e.seq + 1 } : e))
    expect((await verifyChain(events)).ok).toBe(true)
  })

  it('finds an edited event: its content no longer matches its hash', async () => {
    const events = chain(10)
    events[5] = { ...events[5]!, data: { n: 600 } }
    const result = await verifyChain(streamed(events))
    expect(result).toMatchObject({
      ok: false,
      eventsChecked: 5,
      head: { seq: 5 },
      firstBreak: { kind: 'changed', seq: 6, eventId: 'event-6', eventKind: 'request.assigned' },
    })
    expect(result.firstBreak?.detail).toContain('no longer matches its hash')
  })

  it('finds a deleted event where the next one links to it', async () => {
    const events = chain(10).filter((e) => e.seq !== 4)
    const result = await verifyChain(streamed(events))
    expect(result).toMatchObject({ ok: false, eventsChecked: 3, firstBreak: { kind: 'deleted', seq: 5 } })
    expect(result.firstBreak?.detail).toContain('seq jumps from 3')
  })

  it('finds the first event deleted', async () => {
    const result = await verifyChain(chain(5).slice(1))
    expect(result).toMatchObject({ ok: false, eventsChecked: 0, firstBreak: { kind: 'deleted', seq: 2 } })
  })

  it('finds an event replaced and re-hashed: the next one links to a hash no longer there', async () => {
    const events = chain(6)
    const forged = { ...events[2]!, data: { n: 'forged' } }
    events[2] = { ...forged, hash: eventHash(forged) }
    expect(await verifyChain(events)).toMatchObject({ ok: false, firstBreak: { kind: 'deleted', seq: 4 } })
  })

  it('finds two events swapped in a file', async () => {
    const events = chain(10)
    const swapped = [...events.slice(0, 4), events[5]!, events[4]!, ...events.slice(6)]
    const result = await verifyChain(streamed(swapped))
    expect(result).toMatchObject({ ok: false, eventsChecked: 4, firstBreak: { kind: 'reordered', seq: 6 } })
    expect(result.firstBreak?.detail).toContain('chained after seq 5, which comes later')
  })

  it('finds two events whose seq were swapped in the database', async () => {
    const events = chain(10)
    const fifth = events[4]!
    const sixth = events[5]!
    const swapped = [...events.slice(0, 4), { ...sixth, seq: 5 }, { ...fifth, seq: 6 }, ...events.slice(6)]
    expect(await verifyChain(swapped)).toMatchObject({ ok: false, firstBreak: { kind: 'reordered', seq: 5 } })
  })

  it('finds an event linking back past the one before it', async () => {
    const events = chain(6)
    // Event 4 copied after event 5: its link points two events back.
    const moved = [...events.slice(0, 5), { ...events[3]!, seq: 6 }]
    const result = await verifyChain(moved)
    expect(result).toMatchObject({ ok: false, firstBreak: { kind: 'reordered', seq: 6 } })
    expect(result.firstBreak?.detail).toContain('chained after seq 3')
  })

  it('finds seq going backwards', async () => {
    const events = chain(4)
    events[2] = { ...events[2]!, seq: 1 }
    expect(await verifyChain(events)).toMatchObject({ ok: false, firstBreak: { kind: 'reordered', seq: 1 } })
  })

  it('holds the trail to a head seen before: cut short, or rewritten from some point on', async () => {
    const events = chain(10)
    const anchor = { seq: 10, hash: at(events, 10).hash }
    expect((await verifyChain(events, { anchor })).ok).toBe(true)
    expect(await verifyChain(events.slice(0, 8), { anchor })).toMatchObject({
      ok: false,
      eventsChecked: 8,
      firstBreak: { kind: 'deleted', seq: 10, eventId: null },
    })
    // Every event from 7 on rebuilt with fresh hashes: every link holds, but not the known head.
    const rewritten = [...events.slice(0, 6)]
    for (const e of events.slice(6)) {
      const content = { ...e, data: { n: 'rewritten' }, prevHash: rewritten.at(-1)!.hash }
      rewritten.push({ ...content, hash: eventHash(content) })
    }
    expect(await verifyChain(rewritten, { anchor })).toMatchObject({
      ok: false,
      firstBreak: { kind: 'changed', seq: 10 },
    })
  })

  it('holds the trail to every signed head: a rewrite re-hashed from any point before one is found', async () => {
    const events = chain(12)
    const signedHeads = [signedAt(events, 6), signedAt(events, 10)]
    expect(await verifyChain(streamed(events), { signedHeads })).toMatchObject({
      ok: true,
      eventsChecked: 12,
    })
    // Rewritten from event 8: every link holds, and no earlier verification's head is known.
    const result = await verifyChain(rewrittenFrom(events, 8), { signedHeads })
    expect(result).toMatchObject({
      ok: false,
      eventsChecked: 9,
      firstBreak: { kind: 'rewritten', seq: 10, eventId: 'event-10' },
    })
    expect(result.firstBreak?.detail).toContain('it is not event 10 of the head signed at test (line 10')
    // Rewritten from event 3: the first signed head it passes already disagrees.
    expect(await verifyChain(rewrittenFrom(events, 3), { signedHeads })).toMatchObject({
      firstBreak: { kind: 'rewritten', seq: 6 },
    })
    // Rewritten only after the last signed head: nothing signed says otherwise.
    expect((await verifyChain(rewrittenFrom(events, 11), { signedHeads })).ok).toBe(true)
  })

  it('finds a trail cut short of a signed head, counting events rather than seq', async () => {
    const events = chain(12)
    const signedHeads = [signedAt(events, 4), signedAt(events, 10)]
    const result = await verifyChain(events.slice(0, 9), { signedHeads })
    expect(result).toMatchObject({
      ok: false,
      eventsChecked: 9,
      firstBreak: { kind: 'truncated', seq: 10, eventId: null },
    })
    expect(result.firstBreak?.detail).toContain('the trail holds 9 events, but the head signed at test')
    expect(result.firstBreak?.detail).toContain('counts 10')
    // seq renumbered (gaps, as PostgreSQL leaves them): the position still counts, not the seq.
    const gapped = events.map((e) => ({ ...e, seq: e.seq * 2 }))
    expect((await verifyChain(gapped, { signedHeads })).ok).toBe(true)
  })

  it('stops reading the source at the break', async () => {
    let closed = false
    async function* source() {
      try {
        await Promise.resolve()
        yield* chain(3).map((e) => (e.seq === 2 ? { ...e, kind: 'edited' } : e))
      } finally {
        closed = true
      }
    }
    expect((await verifyChain(source())).ok).toBe(false)
    expect(closed).toBe(true)
  })
})

describe('the audit-verify command line', () => {
  it('takes an optional --file, with an optional --public-key, and nothing else', () => {
    expect(parseAuditVerifyArgs([])).toEqual({ file: null, publicKey: null })
    expect(parseAuditVerifyArgs(['--file', 'a.ndjson'])).toEqual({ file: 'a.ndjson', publicKey: null })
    expect(parseAuditVerifyArgs(['--file=b.ndjson'])).toEqual({ file: 'b.ndjson', publicKey: null })
    expect(parseAuditVerifyArgs(['--file', 'a.ndjson', '--public-key', 'k.pem'])).toEqual({
      file: 'a.ndjson',
      publicKey: 'k.pem',
    })
    expect(parseAuditVerifyArgs(['--public-key=k.pem', '--file=a.ndjson'])).toEqual({
      file: 'a.ndjson',
      publicKey: 'k.pem',
    })
    expect(parseAuditVerifyArgs(['--public-key', 'k.pem'])).toMatchObject({ exitCode: 2 })
    expect(parseAuditVerifyArgs(['--file', 'a.ndjson', '--public-key'])).toMatchObject({ exitCode: 2 })
    expect(parseAuditVerifyArgs(['--file'])).toMatchObject({ exitCode: 2 })
    expect(parseAuditVerifyArgs(['--files', 'x'])).toMatchObject({ exitCode: 2 })
    expect(parseAuditVerifyArgs(['x.ndjson'])).toMatchObject({ exitCode: 2 })
  })

  it('says in one line whether the trail is intact, or where it breaks and how', async () => {
    const events = chain(3)
    expect(describeVerification(await verifyChain(events))).toEqual({
      stdout: `Audit trail intact: 3 events checked; last event seq 3, hash ${events[2]!.hash}.\n`,
      stderr: '',
      exitCode: 0,
    })
    const broken = describeVerification(await verifyChain([events[0]!, events[2]!]))
    expect(broken).toMatchObject({ exitCode: 1 })
    expect(broken.stdout).toBe(
      'Audit trail broken at seq 3 (id event-3, kind request.note_added): deleted, the event it was chained after is missing (seq jumps from 1); 1 events intact before it.\n',
    )
  })

  it('says tampered, and what failed, when the links hold but a signed head disagrees', async () => {
    const events = chain(6)
    const rewritten = describeVerification(
      await verifyChain(rewrittenFrom(events, 2), { signedHeads: [signedAt(events, 5)] }),
    )
    expect(rewritten.exitCode).toBe(1)
    expect(rewritten.stdout).toMatch(
      /^Audit trail tampered at seq 5 \(id event-5, kind request\.note_added\): rewritten, it is not event 5 of the head signed at test/,
    )
    const cut = describeVerification(
      await verifyChain(events.slice(0, 3), { signedHeads: [signedAt(events, 5)] }),
    )
    expect(cut.stdout).toMatch(/^Audit trail tampered at seq 5: truncated, the trail holds 3 events, but /)
    const forged = describeVerification({
      eventsChecked: 6,
      head: null,
      firstBreak: {
        kind: 'unsigned',
        seq: null,
        eventId: null,
        eventKind: null,
        detail: 'line 2 of x is not a signed head',
      },
    })
    expect(forged.stdout).toBe(
      'Audit trail tampered: unsigned, line 2 of x is not a signed head; 6 events intact before it.\n',
    )
  })

  it('reports a missing file as a usage error', async () => {
    expect(await verifyTrailFile('/nonexistent/trail.ndjson')).toMatchObject({ exitCode: 2 })
  })
})

describe('the signed trailer of an exported file', () => {
  const events = chain(5)
  const intact = { eventsChecked: 5, head: { seq: 5, hash: events[4]!.hash } }
  const key = newKey()
  const trailer = (
    overrides: Partial<TrailTrailer['head']> = {},
    signer: SigningKey = key,
    carried: SigningKey = signer,
  ): TrailTrailer => ({
    head: signHead(
      {
        id: 'h-1',
        at: '2026-03-02T10:00:00.000Z',
        reason: 'exported',
        count: 5,
        headSeq: 5,
        headHash: events[4]!.hash,
        ...overrides,
      },
      signer,
    ),
    publicKey: publicKeyText(carried.publicKey),
  })

  it('passes when it signs the count and the last event of the file, by the trusted key if given', () => {
    expect(trailerProblem(intact, trailer(), null)).toBeNull()
    expect(trailerProblem(intact, trailer(), key.publicKey)).toBeNull()
  })

  it('is missing from a file cut short', () => {
    expect(trailerProblem(intact, null, null)).toMatchObject({ kind: 'truncated', seq: null })
  })

  it('fails when the file holds fewer or more events than it signed, or ends at another event', () => {
    expect(trailerProblem({ ...intact, eventsChecked: 4 }, trailer(), null)).toMatchObject({
      kind: 'truncated',
      detail: 'the file holds 4 events, but its trailer signed 5',
    })
    expect(trailerProblem(intact, trailer({ count: 4 }), null)).toMatchObject({ kind: 'rewritten' })
    expect(trailerProblem(intact, trailer({ headHash: events[3]!.hash }), null)).toMatchObject({
      kind: 'rewritten',
    })
  })

  it('fails when it was edited, carries another key than it names, or was signed by an untrusted key', () => {
    const edited = trailer()
    expect(
      trailerProblem(intact, { ...edited, head: { ...edited.head, at: '2027-01-01T00:00:00.000Z' } }, null),
    ).toMatchObject({
      kind: 'unsigned',
      detail: expect.stringContaining('signature does not verify'),
    })
    const other = newKey()
    expect(trailerProblem(intact, trailer({}, key, other), null)).toMatchObject({
      kind: 'unsigned',
      detail: expect.stringContaining(`carries key ${other.keyId}`),
    })
    expect(trailerProblem(intact, trailer({}, other), key.publicKey)).toMatchObject({
      kind: 'unsigned',
      detail: `the trailer was signed by key ${other.keyId}, not the trusted key ${key.keyId}`,
    })
    expect(trailerProblem(intact, { ...trailer(), publicKey: 'bm90IGEga2V5' }, null)).toMatchObject({
      kind: 'unsigned',
    })
  })
})
