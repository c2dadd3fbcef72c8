import type { Knex } from 'knex'
import { newId } from '../security/tokens.js'
import { trailAnchors } from './anchors.js'
import type { ChainEvent } from './chain.js'
import { recordEvent, systemActor, type Actor } from './events.js'
import { trailLine } from './ndjson.js'
import { verifyInParallel, type ParallelOptions } from './parallel-verify.js'
import { auditRepo, type VerificationResult, type VerificationRun } from './repo.js'
import { trailerLine, type SignedHead } from './signed-head.js'
import { tamperingKinds, verifyChain, type ChainBreak, type ChainVerification } from './verify.js'

/** Who checks the chain: a signed-in staff member (an auditor may) or the command line. */
export type Verifier = { staffId: string } | 'cli'

/** Where a verification or an export writes: the line, once the client has taken the one before. */
export type WriteLine = (line: string) => Promise<void>

/** What the signed heads say of the trail, and whether it was signed at the end. */
export interface TrailCheck {
  result: VerificationResult
  verification: ChainVerification
  firstBreak: ChainBreak | null
  /** The head this run signed; none when the trail is not intact. */
  signedHead: SignedHead | null
}

/**
 * Verifying the hash chain in the database, and exporting it for verification elsewhere. Each
 * verification and export of an intact trail signs its head (src/audit/signed-head.ts) into the
 * database and the anchor log, and each holds the trail to every head signed before.
 */
export function auditService(deps: {
  db: Knex
  now: () => Date
  signingKeyFile: string
  anchorFile: string
  /** How a long trail is verified in stretches side by side (src/audit/parallel-verify.ts). */
  parallel?: ParallelOptions
}) {
  const { db } = deps
  const repo = auditRepo(db)
  const anchors = trailAnchors({ repo, signingKeyFile: deps.signingKeyFile, anchorFile: deps.anchorFile })

  /**
   * The heads a check holds the trail to: the last intact verification's and every signed one.
   * Read before the end of the chain to check is fixed, so none lies beyond it.
   */
  async function knownHeads() {
    const [anchor, signed] = await Promise.all([repo.lastIntactHead(), anchors.load()])
    return { anchor, signed }
  }

  function outcome(
    verification: ChainVerification,
    signed: Awaited<ReturnType<typeof knownHeads>>['signed'],
  ): Omit<TrailCheck, 'signedHead'> {
    const firstBreak = verification.firstBreak ?? signed.problem
    const result: VerificationResult = !firstBreak
      ? 'ok'
      : tamperingKinds.has(firstBreak.kind)
        ? 'tampered'
        : 'broken'
    return { result, verification, firstBreak }
  }

  async function check(
    events: AsyncIterable<ChainEvent>,
    { anchor, signed }: Awaited<ReturnType<typeof knownHeads>>,
  ): Promise<Omit<TrailCheck, 'signedHead'>> {
    return outcome(await verifyChain(events, { anchor, signedHeads: signed.heads }), signed)
  }

  /**
   * The trail in the database up to an event, checked as `check` would: a long one in stretches
   * side by side, which only ever vouches for an intact trail; anything else, or a trail too
   * short to be worth the threads, in the one walk that says where and how it breaks.
   */
  async function checkStored(
    throughSeq: number,
    { anchor, signed }: Awaited<ReturnType<typeof knownHeads>>,
  ): Promise<Omit<TrailCheck, 'signedHead'>> {
    const options = { anchor, signedHeads: signed.heads }
    const first = await repo.firstSeq()
    const inStretches = await verifyInParallel(
      repo.chainSource(),
      first === null ? null : { first, through: throughSeq },
      options,
      deps.parallel,
    )
    return outcome(inStretches ?? (await verifyChain(repo.chain(throughSeq), options)), signed)
  }

  function headToSign(verification: ChainVerification, reason: SignedHead['reason']) {
    const { head } = verification
    if (!head) return null
    return anchors.sign({
      id: newId(),
      at: deps.now().toISOString(),
      reason,
      count: verification.eventsChecked,
      headSeq: head.seq,
      headHash: head.hash,
    })
  }

  return {
    anchorFile: deps.anchorFile,

    /**
     * Checks the whole chain as it stands, held to the head the last intact verification saw and
     * to every signed head, and records the run and its `audit.verified` event: the one write an
     * auditor makes. An intact trail's head is signed and kept in the database and the anchor log.
     */
    async verify(by: Verifier): Promise<VerificationRun & { signedHead: SignedHead | null }> {
      const known = await knownHeads()
      const throughSeq = (await repo.headSeq()) ?? 0
      const { result, verification, firstBreak } = await checkStored(throughSeq, known)
      const signedHead = result === 'ok' ? (headToSign(verification, 'verified')?.head ?? null) : null
      const run = {
        id: newId(),
        verifiedAt: deps.now().toISOString(),
        verifiedBy: by === 'cli' ? 'cli' : by.staffId,
        result,
        eventsChecked: verification.eventsChecked,
        head: result === 'ok' ? verification.head : null,
        firstBreak,
      }
      const actor: Actor = by === 'cli' ? systemActor('cli') : { type: 'staff', id: by.staffId }
      await db.transaction(async (trx) => {
        await repo.insertVerification(trx, run)
        if (signedHead) await anchors.keep(trx, signedHead)
        await recordEvent(
          trx,
          {
            actor,
            subject: { type: 'audit_verification', id: run.id },
            kind: 'audit.verified',
            data: {
              result: run.result,
              eventsChecked: run.eventsChecked,
              headSeq: run.head?.seq ?? null,
              brokenSeq: run.firstBreak?.seq ?? null,
              breakKind: run.firstBreak?.kind ?? null,
              signedHeadId: signedHead?.id ?? null,
            },
          },
          deps.now(),
        )
      })
      // Appended once the database's copy is committed, so the log never holds a head the
      // database rolled back.
      if (signedHead) await anchors.append(signedHead)
      return { ...run, verifierName: null, signedHead }
    },

    async recentVerifications(limit = 10): Promise<VerificationRun[]> {
      return repo.recentVerifications(limit)
    },

    /** The latest genuine signed head, to show beside the last verification. */
    latestSignedHead: () => anchors.latest(),

    /** The signing key's public half, for the auditor to publish; null before its first use. */
    signingKey: () => anchors.publicKey(),

    /**
     * Records the export first, then writes the trail up to and including that record: the file
     * holds everything up to the moment it was asked for, and says itself that it was taken. The
     * trail is checked as it is written; when intact, its head is signed and the file ends with
     * the signed trailer, so a copy cut short or edited fails `audit-verify --file`.
     */
    async exportTrail(
      actor: Actor,
    ): Promise<{ throughSeq: number; writeTo: (write: WriteLine) => Promise<TrailCheck> }> {
      const known = await knownHeads()
      const throughSeq = await db.transaction(async (trx) => {
        await recordEvent(
          trx,
          {
            actor,
            subject: { type: 'audit_trail', id: 'events' },
            kind: 'audit.trail_exported',
            data: { format: 'ndjson' },
          },
          deps.now(),
        )
        // Appends are serialised until this transaction ends, so the head is this export's own event.
        return (await repo.headSeq(trx)) ?? 0
      })
      async function writeTo(write: WriteLine): Promise<TrailCheck> {
        const source = repo.chain(throughSeq)
        // Every event read by the check is written out as it passes; a check stopped at a break
        // leaves the rest for the loop below.
        const written: AsyncIterable<ChainEvent> = {
          [Symbol.asyncIterator]: () => ({
            async next() {
              const step = await source.next()
              if (!step.done) await write(trailLine(step.value))
              return step
            },
            return: () => Promise.resolve({ done: true as const, value: undefined }),
          }),
        }
        try {
          const outcome = await check(written, known)
          for await (const event of source) await write(trailLine(event))
          const signing = outcome.result === 'ok' ? headToSign(outcome.verification, 'exported') : null
          if (signing) {
            await db.transaction((trx) => anchors.keep(trx, signing.head))
            await anchors.append(signing.head)
            await write(trailerLine(signing.head, signing.publicKey))
          }
          return { ...outcome, signedHead: signing?.head ?? null }
        } finally {
          await source.return(undefined)
        }
      }
      return { throughSeq, writeTo }
    },
  }
}

export type AuditService = ReturnType<typeof auditService>
