import { hash } from 'node:crypto'

/**
 * The hash chain over the audit trail. Each event's hash is the SHA-256 (hex) of the canonical
 * JSON of its content, and that content includes the previous event's hash, so changing,
 * removing or moving any event breaks every link after it.
 *
 * The content hashed is the exported NDJSON line without `seq` and `hash`:
 *   { actor: { id, type }, data, id, kind, occurredAt, prevHash, subject: { id, type } }
 * written as RFC 8785 canonical JSON (keys sorted by UTF-16 code unit at every depth, no
 * whitespace, ECMAScript number and string formatting). So anyone can re-check an exported trail
 * with any JSON library and a SHA-256, without this code.
 *
 * `seq` is left out on purpose: the database assigns it after the hash must be known, and the
 * order is already proven by `prevHash`; a gap in `seq` alone (a rolled-back append on
 * PostgreSQL) is not a break.
 */

/** What the first event links to: there is nothing before it. */
export const genesisHash = '0'.repeat(64)

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** The parts of an event its hash covers. */
export interface ChainedContent {
  id: string
  occurredAt: string
  actor: { type: string; id: string | null }
  subject: { type: string; id: string }
  kind: string
  data: JsonValue
  prevHash: string
}

/** An event as the chain holds it, in the trail's order. */
export interface ChainEvent extends ChainedContent {
  seq: number
  hash: string
}

/** RFC 8785 canonical JSON of a JSON value; anything JSON cannot hold is refused, never dropped. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Not a JSON number: ${value}`)
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys
      .map((key) => {
        const item = value[key]
        if (item === undefined) throw new TypeError(`No JSON value for key ${key}`)
        return `${JSON.stringify(key)}:${canonicalJson(item)}`
      })
      .join(',')}}`
  }
  throw new TypeError(`Not a JSON value: ${typeof value}`)
}

/**
 * The exact text an event's hash is taken over. The envelope's keys are fixed, so it is written
 * in canonical order directly; only `data` goes through the general canonical form.
 */
export function canonicalEvent(event: ChainedContent): string {
  const { actor, subject } = event
  const strings = [
    actor.type,
    subject.id,
    subject.type,
    event.id,
    event.kind,
    event.occurredAt,
    event.prevHash,
  ]
  if (
    !strings.every((value) => typeof value === 'string') ||
    !(actor.id === null || typeof actor.id === 'string')
  ) {
    // Not the shape the portal writes: the general form refuses what JSON cannot hold.
    return canonicalJson({
      actor: { id: actor.id, type: actor.type },
      data: event.data,
      id: event.id,
      kind: event.kind,
      occurredAt: event.occurredAt,
      prevHash: event.prevHash,
      subject: { id: subject.id, type: subject.type },
    })
  }
  const text = JSON.stringify
  return (
    `{"actor":{"id":${text(event.actor.id)},"type":${text(event.actor.type)}},` +
    `"data":${canonicalJson(event.data)},"id":${text(event.id)},"kind":${text(event.kind)},` +
    `"occurredAt":${text(event.occurredAt)},"prevHash":${text(event.prevHash)},` +
    `"subject":{"id":${text(event.subject.id)},"type":${text(event.subject.type)}}}`
  )
}

export function eventHash(event: ChainedContent): string {
  // One call instead of a Hash object for each event: the same digest, several times faster.
  return hash('sha256', canonicalEvent(event), 'hex')
}

export function isHash(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)
}
