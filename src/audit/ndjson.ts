import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { isHash, type ChainEvent, type JsonValue } from './chain.js'
import { isTrailer, parseTrailer, type TrailTrailer } from './signed-head.js'

/** The exported trail: one event per line, in chain order, with the fields its hash covers. */
export function trailLine(event: ChainEvent): string {
  return `${JSON.stringify({
    seq: event.seq,
    id: event.id,
    occurredAt: event.occurredAt,
    actor: { type: event.actor.type, id: event.actor.id },
    subject: { type: event.subject.type, id: event.subject.id },
    kind: event.kind,
    data: event.data,
    prevHash: event.prevHash,
    hash: event.hash,
  })}\n`
}

/** A line of an exported trail that is not an event: the file was damaged or cut short. */
export class MalformedTrailLine extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line} is not an event of the trail: ${reason}`)
    this.name = 'MalformedTrailLine'
  }
}

export function parseTrailLine(text: string, line: number): ChainEvent {
  return parseTrailEvent(parseJsonLine(text, line), line)
}

function parseJsonLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new MalformedTrailLine(line, 'not JSON')
  }
}

function parseTrailEvent(parsed: unknown, line: number): ChainEvent {
  if (!isObject(parsed)) throw new MalformedTrailLine(line, 'not a JSON object')
  const { seq, id, occurredAt, actor, subject, kind, data, prevHash, hash } = parsed
  const fields: [string, boolean][] = [
    ['seq', typeof seq === 'number' && Number.isSafeInteger(seq)],
    ['id', typeof id === 'string'],
    ['occurredAt', typeof occurredAt === 'string'],
    [
      'actor',
      isObject(actor) &&
        typeof actor.type === 'string' &&
        (actor.id === null || typeof actor.id === 'string'),
    ],
    ['subject', isObject(subject) && typeof subject.type === 'string' && typeof subject.id === 'string'],
    ['kind', typeof kind === 'string'],
    ['data', data !== undefined],
    ['prevHash', isHash(prevHash)],
    ['hash', isHash(hash)],
  ]
  const invalid = fields.find(([, valid]) => !valid)
  if (invalid) throw new MalformedTrailLine(line, `missing or invalid ${invalid[0]}`)
  const a = actor as { type: string; id: string | null }
  const s = subject as { type: string; id: string }
  return {
    seq: seq as number,
    id: id as string,
    occurredAt: occurredAt as string,
    actor: { type: a.type, id: a.id },
    subject: { type: s.type, id: s.id },
    kind: kind as string,
    data: data as JsonValue,
    prevHash: prevHash as string,
    hash: hash as string,
  }
}

/**
 * Reads an exported trail line by line, so a file of any size is checked in constant memory. The
 * signed trailer, which must be the last line, is handed to `onTrailer` rather than yielded.
 */
export async function* readTrail(
  input: Readable,
  onTrailer?: (trailer: TrailTrailer, line: number) => void,
): AsyncGenerator<ChainEvent> {
  const lines = createInterface({ input, crlfDelay: Infinity })
  let line = 0
  let trailerLine: number | null = null
  try {
    for await (const text of lines) {
      line++
      if (text.trim() === '') continue
      if (trailerLine !== null) {
        throw new MalformedTrailLine(line, `it comes after the signed trailer on line ${trailerLine}`)
      }
      const parsed = parseJsonLine(text, line)
      if (isTrailer(parsed)) {
        const trailer = parseTrailer(parsed)
        if (!trailer) throw new MalformedTrailLine(line, 'the signed trailer is incomplete')
        trailerLine = line
        onTrailer?.(trailer, line)
        continue
      }
      yield parseTrailEvent(parsed, line)
    }
  } finally {
    lines.close()
    input.destroy()
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
