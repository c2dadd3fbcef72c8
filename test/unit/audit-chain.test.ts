import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  canonicalEvent,
  canonicalJson,
  eventHash,
  genesisHash,
  type ChainedContent,
  type JsonValue,
} from '../../src/audit/chain.js'
import { trailLine } from '../../src/audit/ndjson.js'

const event: ChainedContent = {
  id: '0b7c6a52-4f1e-4d0a-9a3e-5c2f1d7e8a90',
  occurredAt: '2026-03-02T10:00:00.000Z',
  actor: { type: 'staff', id: 'u-1' },
  subject: { type: 'request', id: 'r-1' },
  kind: 'request.extended',
  data: { reason: 'Complex — many sources', days: 60, tags: ['b', 'a'], nested: { z: null, a: true } },
  prevHash: genesisHash,
}

describe('canonical JSON', () => {
  it('sorts keys at every depth, keeps array order and leaves out whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { y: 2, x: 1 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,1,{"x":1,"y":2}]},"b":1}',
    )
  })

  it('is the same whatever order the keys were written in', () => {
    const reordered = JSON.parse(
      '{"tags":["b","a"],"nested":{"a":true,"z":null},"days":60,"reason":"Complex — many sources"}',
    ) as JsonValue
    expect(canonicalJson(reordered)).toBe(canonicalJson(event.data))
  })

  it('writes strings and numbers as ECMAScript does (RFC 8785)', () => {
    expect(canonicalJson(['é\u0001"\\\n', 1e21, 0.1, -0, 5e-7])).toBe(
      '["é\\u0001\\"\\\\\\n",1e+21,0.1,0,5e-7]',
    )
  })

  it('refuses what JSON cannot hold rather than dropping it', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError)
    expect(() => canonicalJson({ a: undefined } as unknown as JsonValue)).toThrow(TypeError)
  })
})

describe('an event hash', () => {
  it('covers id, time, actor, subject, kind, data and the previous hash, in one fixed form', () => {
    expect(canonicalEvent(event)).toBe(
      '{"actor":{"id":"u-1","type":"staff"},"data":{"days":60,"nested":{"a":true,"z":null},"reason":"Complex — many sources","tags":["b","a"]},' +
        '"id":"0b7c6a52-4f1e-4d0a-9a3e-5c2f1d7e8a90","kind":"request.extended","occurredAt":"2026-03-02T10:00:00.000Z",' +
        `"prevHash":"${genesisHash}","subject":{"id":"r-1","type":"request"}}`,
    )
    // Pinned: a change to the serialisation would break every trail already recorded.
    expect(eventHash(event)).toBe('10192ba6e9079ae4a019ba72eee1b24b31d15fd5c9ee496728fb9c1d950b298b')
  })

  it('writes the envelope exactly as the general canonical form does, whatever its text holds', () => {
    const general = (e: ChainedContent) =>
      canonicalJson({
        actor: { id: e.actor.id, type: e.actor.type },
        data: e.data,
        id: e.id,
        kind: e.kind,
        occurredAt: e.occurredAt,
        prevHash: e.prevHash,
        subject: { id: e.subject.id, type: e.subject.type },
      })
    const awkward: ChainedContent = {
      ...event,
      id: 'quote " back\\slash \u2028 line',
      actor: { type: 'system', id: null },
      subject: { type: 'récord', id: '\u0000\u001f 😀' },
      kind: 'case.note_added',
      data: { z: [1, { b: 2, a: 'x' }], a: -0.5e-7 },
    }
    for (const e of [event, awkward]) expect(canonicalEvent(e)).toBe(general(e))
    // A field of the wrong type is refused, as the general form does.
    expect(() => canonicalEvent({ ...event, kind: undefined } as unknown as ChainedContent)).toThrow(
      TypeError,
    )
  })

  it('changes with any field it covers, and not with seq', () => {
    const base = eventHash(event)
    expect(eventHash({ ...event, prevHash: 'f'.repeat(64) })).not.toBe(base)
    expect(eventHash({ ...event, data: { ...(event.data as object), days: 61 } })).not.toBe(base)
    expect(eventHash({ ...event, actor: { type: 'staff', id: null } })).not.toBe(base)
    expect(eventHash({ ...event, occurredAt: '2026-03-02T10:00:00.001Z' })).not.toBe(base)
    expect(eventHash({ ...event, ...{ seq: 7 } })).toBe(base)
  })

  it('can be re-checked from an exported line with any JSON library and SHA-256', () => {
    const line = trailLine({ ...event, seq: 1, hash: eventHash(event) })
    const { seq: _seq, hash, ...content } = JSON.parse(line) as Record<string, unknown>
    // An independent canonical form: re-serialise with sorted keys, the way another tool would.
    const sorted = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sorted)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
            )
          : v
    const digest = createHash('sha256')
      .update(JSON.stringify(sorted(content)))
      .digest('hex')
    expect(digest).toBe(hash)
  })
})
