import { sign, verify, type KeyObject } from 'node:crypto'
import { canonicalJson, isHash } from './chain.js'
import type { SigningKey } from './signing-key.js'

/** Why a head was signed. */
export type SignedHeadReason = 'verified' | 'exported'

/**
 * A statement, signed with a key kept outside the database, that the chain's `count`-th event
 * (seq `headSeq`) had hash `headHash` at `at`. Since every hash covers all before it, a chain
 * rewritten and re-hashed, or cut short, no longer agrees with a head signed before.
 */
export interface SignedHead {
  id: string
  at: string
  reason: SignedHeadReason
  /** Events from the start of the chain up to and including the head. */
  count: number
  headSeq: number
  headHash: string
  /** The signing key's fingerprint (src/audit/signing-key.ts). */
  keyId: string
  /** Ed25519 over `signedText`, base64. */
  signature: string
}

export type HeadToSign = Omit<SignedHead, 'keyId' | 'signature'>

/**
 * The exact text signed: RFC 8785 canonical JSON of every field but the signature, so the
 * signature can be checked with any JSON library and Ed25519 implementation.
 */
export function signedText(head: Omit<SignedHead, 'signature'>): string {
  return canonicalJson({
    at: head.at,
    count: head.count,
    headHash: head.headHash,
    headSeq: head.headSeq,
    id: head.id,
    keyId: head.keyId,
    reason: head.reason,
  })
}

export function signHead(head: HeadToSign, key: SigningKey): SignedHead {
  const unsigned = { ...head, keyId: key.keyId }
  const signature = sign(null, Buffer.from(signedText(unsigned), 'utf8'), key.privateKey).toString('base64')
  return { ...unsigned, signature }
}

export function signatureHolds(head: SignedHead, publicKey: KeyObject): boolean {
  try {
    return verify(
      null,
      Buffer.from(signedText(head), 'utf8'),
      publicKey,
      Buffer.from(head.signature, 'base64'),
    )
  } catch {
    return false
  }
}

/** A signed head read back from a file or a row, or null when it is not one. */
export function parseSignedHead(value: unknown): SignedHead | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const v = value as Record<string, unknown>
  const count = v.count
  const headSeq = v.headSeq
  if (
    typeof v.id !== 'string' ||
    typeof v.at !== 'string' ||
    (v.reason !== 'verified' && v.reason !== 'exported') ||
    typeof count !== 'number' ||
    !Number.isSafeInteger(count) ||
    count < 1 ||
    typeof headSeq !== 'number' ||
    !Number.isSafeInteger(headSeq) ||
    !isHash(v.headHash) ||
    typeof v.keyId !== 'string' ||
    typeof v.signature !== 'string'
  ) {
    return null
  }
  return {
    id: v.id,
    at: v.at,
    reason: v.reason,
    count,
    headSeq,
    headHash: v.headHash,
    keyId: v.keyId,
    signature: v.signature,
  }
}

/** A line of the anchor log. */
export function anchorLine(head: SignedHead): string {
  return `${JSON.stringify(fields(head))}\n`
}

/**
 * The last line of an exported trail: the head it ends at, signed, with the public key to check
 * it by (compare its fingerprint with the one the portal publishes, or pass the key you trust).
 */
export function trailerLine(head: SignedHead, publicKey: string): string {
  return `${JSON.stringify({ signedHead: fields(head), publicKey })}\n`
}

export interface TrailTrailer {
  head: SignedHead
  /** base64 DER (SPKI) of the key that signed it. */
  publicKey: string
}

/** Whether an exported line is the trailer rather than an event. */
export function isTrailer(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'signedHead' in value
}

export function parseTrailer(value: unknown): TrailTrailer | null {
  if (!isTrailer(value)) return null
  const { signedHead, publicKey } = value as { signedHead: unknown; publicKey: unknown }
  const head = parseSignedHead(signedHead)
  return head && typeof publicKey === 'string' ? { head, publicKey } : null
}

function fields(head: SignedHead) {
  return {
    id: head.id,
    at: head.at,
    reason: head.reason,
    count: head.count,
    headSeq: head.headSeq,
    headHash: head.headHash,
    keyId: head.keyId,
    signature: head.signature,
  }
}
