import path from 'node:path'
import type { Knex } from 'knex'
import { anchorLog } from './anchor-log.js'
import type { AuditRepo } from './repo.js'
import { signatureHolds, signHead, type HeadToSign, type SignedHead } from './signed-head.js'
import { publicKeyPem, publicKeyText, readOrCreateSigningKey, readSigningKey } from './signing-key.js'
import type { ChainBreak, SignedHeadCheck } from './verify.js'

/** The signed heads a verification holds the trail to, and the first problem with the heads themselves. */
export interface SignedHeadsFound {
  heads: SignedHeadCheck[]
  problem: ChainBreak | null
}

/**
 * The trail's anchors: heads signed with a key kept outside the database, each kept both in the
 * database and in the anchor log. A head counts only when its signature verifies with the key;
 * every line of the log must, since the log is the copy the database cannot reach.
 */
export function trailAnchors(deps: { repo: AuditRepo; signingKeyFile: string; anchorFile: string }) {
  const { repo, signingKeyFile } = deps
  const log = anchorLog(deps.anchorFile)
  const logName = path.basename(deps.anchorFile)

  return {
    anchorFile: deps.anchorFile,

    /** Signs a head, creating the key on first use; with the public key that checks it. */
    sign(head: HeadToSign): { head: SignedHead; publicKey: string } {
      const key = readOrCreateSigningKey(signingKeyFile)
      return { head: signHead(head, key), publicKey: publicKeyText(key.publicKey) }
    },

    /** The database's copy, written in the caller's transaction. */
    keep: (trx: Knex, head: SignedHead) => repo.insertSignedHead(trx, head),

    /** The copy outside the database; appended once the database's copy is committed. */
    append: (head: SignedHead) => log.append(head),

    /** The public half of the signing key, to publish; null before the first head is signed. */
    publicKey(): { keyId: string; pem: string } | null {
      const key = readSigningKey(signingKeyFile)
      return key ? { keyId: key.keyId, pem: publicKeyPem(key.publicKey) } : null
    },

    /** The latest head in the database whose signature verifies, for the audit page. */
    async latest(): Promise<SignedHead | null> {
      const key = readSigningKey(signingKeyFile)
      if (!key) return null
      const rows = await repo.signedHeads()
      return (
        rows.reverse().find((head) => head.keyId === key.keyId && signatureHolds(head, key.publicKey)) ?? null
      )
    },

    async load(): Promise<SignedHeadsFound> {
      const key = readSigningKey(signingKeyFile)
      // The log first: a head is appended only once its row is committed, so every head read
      // from the log is in the rows read after it, unless the row was deleted.
      const entries = await log.read()
      const rows = await repo.signedHeads()
      const heads: SignedHeadCheck[] = []
      const problems: ChainBreak[] = []
      const problem = (kind: ChainBreak['kind'], seq: number | null, detail: string) =>
        problems.push({ kind, seq, eventId: null, eventKind: null, detail })
      const inLog = new Map<string, { head: SignedHead; line: number }>()

      for (const { line, head } of entries) {
        const where = `line ${line} of ${logName}`
        if (!head) {
          problem('unsigned', null, `${where} is not a signed head`)
        } else if (!key) {
          problem('unsigned', head.headSeq, `${where} was signed, but the signing key is missing`)
        } else if (head.keyId !== key.keyId) {
          problem(
            'unsigned',
            head.headSeq,
            `${where} was signed by another key (${head.keyId}), not the signing key (${key.keyId})`,
          )
        } else if (!signatureHolds(head, key.publicKey)) {
          problem('unsigned', head.headSeq, `${where}: its signature does not verify`)
        } else {
          heads.push(check(head, `the head signed at ${head.at} (${where})`))
          inLog.set(head.id, { head, line })
        }
      }

      const inDatabase = new Set<string>()
      for (const head of rows) {
        // Rows signed by an earlier key cannot be checked; the log, archived with that key, can.
        if (!key || head.keyId !== key.keyId) continue
        if (!signatureHolds(head, key.publicKey)) {
          problem(
            'unsigned',
            head.headSeq,
            `the head ${head.id} in the database does not verify: the row was forged or edited`,
          )
          continue
        }
        inDatabase.add(head.id)
        if (!inLog.has(head.id)) heads.push(check(head, `the head signed at ${head.at} (in the database)`))
      }

      for (const [id, { head, line }] of inLog) {
        if (inDatabase.has(id)) continue
        problem(
          'unanchored',
          head.headSeq,
          `the head signed at ${head.at} (line ${line} of ${logName}) is missing from the database: its row was deleted`,
        )
      }
      // A forged or unreadable head says more than a deleted row.
      const first = problems.find((p) => p.kind === 'unsigned') ?? problems[0] ?? null
      return { heads, problem: first }
    },
  }
}

export type TrailAnchors = ReturnType<typeof trailAnchors>

function check(head: SignedHead, source: string): SignedHeadCheck {
  return { count: head.count, seq: head.headSeq, hash: head.headHash, source }
}
