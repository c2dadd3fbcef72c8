import { describe, expect, it } from 'vitest'
import { eventHash, genesisHash, type ChainEvent } from '../../src/audit/chain.js'
import { verifyChain } from '../../src/audit/verify.js'
import { describeVerification, parseAuditVerifyArgs, verifyTrailFile } from '../../src/cli/audit-verify.js'

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
  it('takes an optional --file and nothing else', () => {
    expect(parseAuditVerifyArgs([])).toEqual({ file: null })
    expect(parseAuditVerifyArgs(['--file', 'a.ndjson'])).toEqual({ file: 'a.ndjson' })
    expect(parseAuditVerifyArgs(['--file=b.ndjson'])).toEqual({ file: 'b.ndjson' })
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

  it('reports a missing file as a usage error', async () => {
    expect(await verifyTrailFile('/nonexistent/trail.ndjson')).toMatchObject({ exitCode: 2 })
  })
})
