import { eventHash, genesisHash, type ChainEvent } from './chain.js'

/**
 * - `changed`: an event's content no longer matches its hash (or a hash an earlier verification
 *   saw at that place);
 * - `deleted`: an event links to one that is not in the trail (a gap), or the trail ends before
 *   an event an earlier verification saw;
 * - `reordered`: an event links to one that is elsewhere in the trail, or `seq` goes backwards.
 *
 * The chain's links can all hold and the trail still be tampered with, when it disagrees with a
 * head signed outside the database (src/audit/signed-head.ts):
 * - `rewritten`: the event at a signed position has another hash;
 * - `truncated`: the trail ends before a signed head;
 * - `unsigned`: a signed head itself does not verify (a forged or edited record, another key);
 * - `unanchored`: a signed head in the anchor log is gone from the database.
 */
export type BreakKind =
  'changed' | 'deleted' | 'reordered' | 'rewritten' | 'truncated' | 'unsigned' | 'unanchored'

/** The kinds of break that only a signed head reveals: the trail was tampered with and re-hashed. */
export const tamperingKinds: ReadonlySet<BreakKind> = new Set([
  'rewritten',
  'truncated',
  'unsigned',
  'unanchored',
])

export interface ChainBreak {
  kind: BreakKind
  /** Where the chain breaks: the event whose link or content fails; null when no event is known. */
  seq: number | null
  eventId: string | null
  eventKind: string | null
  /** What is wrong, in a sentence. */
  detail: string
}

export interface ChainVerification {
  ok: boolean
  /** Events found intact before the first break (all of them when the chain is whole). */
  eventsChecked: number
  /** The last event read, which a later verification can hold the trail to. */
  head: { seq: number; hash: string } | null
  firstBreak: ChainBreak | null
}

export interface VerifyOptions {
  /**
   * An event an earlier verification saw at the head. A chain can be cut short or rewritten from
   * some point on without a broken link; holding it to a known head catches both.
   */
  anchor?: { seq: number; hash: string } | null
  /**
   * Heads signed outside the database: the trail must reach each one's count, with that hash at
   * that position. Unlike `anchor`, these cannot be rewritten along with the trail.
   */
  signedHeads?: readonly SignedHeadCheck[]
  /** How many events before and after a broken link are searched to tell a move from a deletion. */
  window?: number
}

export interface SignedHeadCheck {
  /** The head's position: events from the start of the trail up to and including it. */
  count: number
  seq: number
  hash: string
  /** Names the signed head in a report, e.g. `the head signed on … (line 3 of …)`. */
  source: string
}

const defaultWindow = 10_000

/**
 * Walks a trail in order and reports the first broken link. Memory is bounded by the window, so
 * a trail of any length can be checked as it streams from the database or a file.
 */
export async function verifyChain(
  events: AsyncIterable<ChainEvent> | Iterable<ChainEvent>,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const window = options.window ?? defaultWindow
  const anchor = options.anchor ?? null
  const signedAt = new Map<number, SignedHeadCheck[]>()
  for (const signed of options.signedHeads ?? []) {
    signedAt.set(signed.count, [...(signedAt.get(signed.count) ?? []), signed])
  }
  const longestSigned = (options.signedHeads ?? []).reduce<SignedHeadCheck | null>(
    (longest, signed) => (longest && longest.count >= signed.count ? longest : signed),
    null,
  )
  const iterator = iterate(events)
  // Hashes of the last `window` events read, to recognise a link to an earlier event.
  const recent = new RecentEvents(window)
  let previous: ChainEvent | null = null
  let checked = 0
  let anchorSeen = false
  const result = (firstBreak: ChainBreak | null): ChainVerification => ({
    ok: firstBreak === null,
    eventsChecked: checked,
    head: previous ? { seq: previous.seq, hash: previous.hash } : null,
    firstBreak,
  })
  const breakAt = (event: ChainEvent, kind: BreakKind, detail: string): ChainBreak => ({
    kind,
    seq: event.seq,
    eventId: event.id,
    eventKind: event.kind,
    detail,
  })
  try {
    for (;;) {
      const step = await iterator.next()
      if (step.done) break
      const event = step.value
      if (eventHash(event) !== event.hash) {
        return result(breakAt(event, 'changed', 'its content no longer matches its hash'))
      }
      if (previous && event.seq <= previous.seq) {
        return result(breakAt(event, 'reordered', `it comes after seq ${previous.seq} in the trail`))
      }
      const expected = previous ? previous.hash : genesisHash
      if (event.prevHash !== expected) {
        return result(breakAt(event, ...(await classifyLink(event, previous, recent, iterator, window))))
      }
      const rewrittenFrom = signedAt.get(checked + 1)?.find((signed) => signed.hash !== event.hash)
      if (rewrittenFrom) {
        return result(
          breakAt(
            event,
            'rewritten',
            `it is not event ${rewrittenFrom.count} of ${rewrittenFrom.source} (seq ${rewrittenFrom.seq}, hash ${rewrittenFrom.hash}): it, or an event before it, was rewritten and the chain re-hashed`,
          ),
        )
      }
      if (anchor && event.seq === anchor.seq) {
        if (event.hash !== anchor.hash) {
          return result(
            breakAt(
              event,
              'changed',
              'it is not the event an earlier verification saw here: the trail was rewritten from this point',
            ),
          )
        }
        anchorSeen = true
      }
      recent.add(event.hash, event.seq)
      previous = event
      checked++
    }
  } finally {
    await iterator.return?.()
  }
  if (longestSigned && longestSigned.count > checked) {
    return result({
      kind: 'truncated',
      seq: longestSigned.seq,
      eventId: null,
      eventKind: null,
      detail: `the trail holds ${checked} events, but ${longestSigned.source} counts ${longestSigned.count} (up to seq ${longestSigned.seq}): events were cut from its end`,
    })
  }
  if (anchor && !anchorSeen) {
    return result({
      kind: 'deleted',
      seq: anchor.seq,
      eventId: null,
      eventKind: null,
      detail: previous
        ? `the trail ends at seq ${previous.seq}, but an earlier verification saw it reach seq ${anchor.seq}`
        : `the trail is empty, but an earlier verification saw it reach seq ${anchor.seq}`,
    })
  }
  return result(null)
}

/** Why an event does not link to the one before it: moved, or the one it follows is gone. */
async function classifyLink(
  event: ChainEvent,
  previous: ChainEvent | null,
  recent: RecentEvents,
  iterator: AsyncIterator<ChainEvent>,
  window: number,
): Promise<[BreakKind, string]> {
  const after = previous ? `seq ${previous.seq}` : 'the start of the trail'
  const earlier = recent.seqOf(event.prevHash)
  if (earlier !== undefined) {
    return ['reordered', `it was chained after seq ${earlier}, but comes after ${after}`]
  }
  if (event.prevHash === genesisHash) {
    return ['reordered', `it is the first event of the trail, but comes after ${after}`]
  }
  for (let i = 0; i < window; i++) {
    const step = await iterator.next()
    if (step.done) break
    if (step.value.hash === event.prevHash) {
      return ['reordered', `it was chained after seq ${step.value.seq}, which comes later in the trail`]
    }
  }
  if (!previous) return ['deleted', 'the event it was chained after is missing from the start of the trail']
  if (event.seq > previous.seq + 1) {
    return ['deleted', `the event it was chained after is missing (seq jumps from ${previous.seq})`]
  }
  return [
    'deleted',
    'the event it was chained after is no longer in the trail: removed, or replaced and re-hashed',
  ]
}

/**
 * The last `size` events read, in a ring: adding one is a write into an array, which keeps the
 * walk over millions of events cheap; looking a hash up scans the ring, and only a broken link
 * ever does that.
 */
class RecentEvents {
  private readonly hashes: string[] = []
  private readonly seqs: number[] = []
  private next = 0

  constructor(private readonly size: number) {}

  add(hash: string, seq: number): void {
    if (this.size <= 0) return
    this.hashes[this.next] = hash
    this.seqs[this.next] = seq
    this.next = (this.next + 1) % this.size
  }

  seqOf(hash: string): number | undefined {
    const index = this.hashes.indexOf(hash)
    return index === -1 ? undefined : this.seqs[index]
  }
}

function iterate(events: AsyncIterable<ChainEvent> | Iterable<ChainEvent>): AsyncIterator<ChainEvent> {
  if (Symbol.asyncIterator in events) return events[Symbol.asyncIterator]()
  const sync = events[Symbol.iterator]()
  return {
    next: () => Promise.resolve(sync.next()),
    return: () => Promise.resolve(sync.return?.() ?? { done: true as const, value: undefined }),
  }
}

/**
 * What one stretch of the trail says of itself, for verifying a long trail in stretches side by
 * side: where it starts and ends, how many events it holds, and whether each of them matches its
 * hash and links to the one before it. `marks` are the events asked for by seq (those a signed
 * head or an earlier verification names), with their position in the stretch.
 */
export interface RangeSummary {
  count: number
  first: { seq: number; prevHash: string } | null
  last: { seq: number; hash: string } | null
  /** False at the first event that fails; the stretch is not read further. */
  intact: boolean
  marks: { seq: number; index: number; hash: string }[]
}

/** Checks a stretch of the trail event by event, as `verifyChain` does, and sums it up. */
export class RangeCheck {
  private previous: ChainEvent | null = null
  private readonly summary: RangeSummary = { count: 0, first: null, last: null, intact: true, marks: [] }

  constructor(private readonly marked: ReadonlySet<number>) {}

  /** False once an event fails: the rest of the stretch need not be read. */
  add(event: ChainEvent): boolean {
    const { previous, summary } = this
    if (
      eventHash(event) !== event.hash ||
      (previous && (event.seq <= previous.seq || event.prevHash !== previous.hash))
    ) {
      summary.intact = false
      return false
    }
    summary.count++
    summary.first ??= { seq: event.seq, prevHash: event.prevHash }
    if (this.marked.has(event.seq))
      summary.marks.push({ seq: event.seq, index: summary.count, hash: event.hash })
    this.previous = event
    return true
  }

  /** An event that could not be read: the stretch is not intact. */
  fail(): void {
    this.summary.intact = false
  }

  result(): RangeSummary {
    const { previous, summary } = this
    return { ...summary, last: previous ? { seq: previous.seq, hash: previous.hash } : null }
  }
}

/** The seqs a stretch must report: those the anchor and the signed heads name. */
export function markedSeqs(options: Pick<VerifyOptions, 'anchor' | 'signedHeads'>): number[] {
  const seqs = (options.signedHeads ?? []).map((signed) => signed.seq)
  if (options.anchor) seqs.push(options.anchor.seq)
  return [...new Set(seqs)]
}

/**
 * The verification of a whole trail from the summaries of its stretches, in order, when every
 * stretch is intact, each starts where the one before ended, and the anchor and every signed head
 * are found where they should be. Null when anything is amiss (or merely found elsewhere): only
 * the walk of `verifyChain` says exactly where and how a trail breaks.
 */
export function joinRanges(
  ranges: readonly RangeSummary[],
  options: Pick<VerifyOptions, 'anchor' | 'signedHeads'> = {},
): ChainVerification | null {
  const found = new Map<number, { position: number; hash: string }>()
  let count = 0
  let head: { seq: number; hash: string } | null = null
  for (const range of ranges) {
    if (!range.intact) return null
    if (!range.first || !range.last) continue
    if (range.first.prevHash !== (head ? head.hash : genesisHash)) return null
    if (head && range.first.seq <= head.seq) return null
    for (const mark of range.marks) found.set(mark.seq, { position: count + mark.index, hash: mark.hash })
    count += range.count
    head = range.last
  }
  for (const signed of options.signedHeads ?? []) {
    const at = found.get(signed.seq)
    if (!at || at.position !== signed.count || at.hash !== signed.hash) return null
  }
  const anchor = options.anchor ?? null
  if (anchor && found.get(anchor.seq)?.hash !== anchor.hash) return null
  return { ok: true, eventsChecked: count, head, firstBreak: null }
}
