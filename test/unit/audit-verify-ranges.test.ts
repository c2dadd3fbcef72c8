import { describe, expect, it } from 'vitest'
import { eventHash, genesisHash, type ChainEvent } from '../../src/audit/chain.js'
import { stretches } from '../../src/audit/parallel-verify.js'
import { chainColumns, unpackChainRow } from '../../src/audit/repo.js'
import {
  joinRanges,
  markedSeqs,
  RangeCheck,
  verifyChain,
  type VerifyOptions,
} from '../../src/audit/verify.js'

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
      data: { n: seq, z: [true, null], a: { y: 'é', x: 1.5 } },
      prevHash,
    }
    const hash = eventHash(content)
    events.push({ ...content, seq, hash })
    prevHash = hash
  }
  return events
}

/** The trail checked in stretches cut at the given seqs, and joined. */
function inStretches(events: ChainEvent[], cuts: number[], options: VerifyOptions = {}) {
  const marked = new Set(markedSeqs(options))
  const bounds = [0, ...cuts, Number.MAX_SAFE_INTEGER]
  const summaries = bounds.slice(1).map((through, i) => {
    const check = new RangeCheck(marked)
    for (const event of events.filter((e) => e.seq > bounds[i]! && e.seq <= through)) {
      if (!check.add(event)) break
    }
    return check.result()
  })
  return joinRanges(summaries, options)
}

const signedAt = (events: ChainEvent[], count: number) => ({
  count,
  seq: events[count - 1]!.seq,
  hash: events[count - 1]!.hash,
  source: `the head signed at ${count}`,
})

describe('verifying a trail in stretches', () => {
  it('cuts a span of seqs into stretches that cover it once, in order', () => {
    expect(stretches(0, 10, 3)).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ])
    expect(stretches(99, 200_000, 2)).toEqual([
      [99, 100_050],
      [100_050, 200_000],
    ])
  })

  it('gives an intact trail the single walk’s verification, however it is cut', async () => {
    const events = chain(30)
    const expected = await verifyChain(events)
    for (const cuts of [[], [15], [1, 2, 29], [10, 20, 40, 50]]) {
      expect(inStretches(events, cuts)).toEqual(expected)
    }
  })

  it('finds the anchor and the signed heads in whichever stretch holds them', async () => {
    const events = chain(30)
    const options: VerifyOptions = {
      anchor: { seq: 20, hash: events[19]!.hash },
      signedHeads: [signedAt(events, 5), signedAt(events, 16), signedAt(events, 30)],
    }
    expect(inStretches(events, [10, 16, 25], options)).toEqual(await verifyChain(events, options))
  })

  it('leaves every doubt to the single walk', () => {
    const events = chain(30)
    const changed = events.map((e) => (e.seq === 12 ? { ...e, data: { n: 'changed' } } : e))
    const deleted = events.filter((e) => e.seq !== 11)
    const swapped = events.map((e) =>
      e.seq === 11 ? { ...events[11]!, seq: 11 } : e.seq === 12 ? { ...events[10]!, seq: 12 } : e,
    )
    for (const tampered of [changed, deleted, swapped]) expect(inStretches(tampered, [5, 20])).toBeNull()
    // Gone from the start of a stretch: each stretch holds together, the join does not.
    expect(inStretches(deleted, [10, 20])).toBeNull()
    // A trail that does not start at the start.
    expect(inStretches(events.slice(1), [10])).toBeNull()
    // Signed heads at another position, beyond the end, or with another hash; an anchor not found.
    expect(inStretches(events, [10], { signedHeads: [{ ...signedAt(events, 16), count: 15 }] })).toBeNull()
    expect(inStretches(events, [10], { signedHeads: [{ ...signedAt(events, 30), count: 31 }] })).toBeNull()
    expect(
      inStretches(events, [10], { signedHeads: [{ ...signedAt(events, 16), hash: events[3]!.hash }] }),
    ).toBeNull()
    expect(inStretches(events, [10], { anchor: { seq: 31, hash: events[29]!.hash } })).toBeNull()
    expect(inStretches(events, [10], { anchor: { seq: 20, hash: events[3]!.hash } })).toBeNull()
  })

  it('passes an empty trail', async () => {
    expect(inStretches([], [10])).toEqual(await verifyChain([]))
  })
})

describe('an event read as one text', () => {
  const row = {
    seq: '41',
    id: 'event-41',
    occurred_at: '2026-03-02T10:00:41.000Z',
    actor_type: 'staff',
    actor_id: 'u-1' as string | null,
    subject_type: 'request',
    subject_id: 'r-2',
    kind: 'request.assigned',
    data: '{"n":41}',
    prev_hash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
  }
  /** What the query returns for a row: its columns in order, the actor id marked, joined. */
  const packed = (values: typeof row) =>
    chainColumns
      .map((column) =>
        column === 'actor_id' ? (values.actor_id === null ? '0' : `1${values.actor_id}`) : values[column],
      )
      .join('\u001f')

  it('is read back into its columns, a missing actor id told from an empty one', () => {
    expect(unpackChainRow(packed(row))).toEqual(row)
    expect(unpackChainRow(packed({ ...row, actor_id: null }))).toEqual({ ...row, actor_id: null })
    expect(unpackChainRow(packed({ ...row, actor_id: '' }))).toEqual({ ...row, actor_id: '' })
  })

  it('is not read at all when it cannot be told for certain', () => {
    // A column missing (the whole text is then NULL), or one that holds the separator itself.
    expect(unpackChainRow(null)).toBeNull()
    expect(unpackChainRow(packed({ ...row, kind: 'request.\u001fassigned' }))).toBeNull()
    expect(unpackChainRow(packed(row).replace('\u001f1u-1', '\u001fu-1'))).toBeNull()
  })
})
