import type { Knex } from 'knex'
import { newId } from '../security/tokens.js'
import { recordEvent, systemActor, type Actor } from './events.js'
import { trailLine } from './ndjson.js'
import { auditRepo, type VerificationRun } from './repo.js'
import { verifyChain } from './verify.js'

/** Who checks the chain: a signed-in staff member (an auditor may) or the command line. */
export type Verifier = { staffId: string } | 'cli'

/** Verifying the hash chain in the database, and exporting it for verification elsewhere. */
export function auditService(deps: { db: Knex; now: () => Date }) {
  const { db } = deps
  const repo = auditRepo(db)

  return {
    /**
     * Checks the whole chain as it stands, held to the head the last intact verification saw,
     * and records the run and its `audit.verified` event: the one write an auditor makes.
     */
    async verify(by: Verifier): Promise<VerificationRun> {
      const throughSeq = (await repo.headSeq()) ?? 0
      const anchor = await repo.lastIntactHead()
      const outcome = await verifyChain(repo.chain(throughSeq), { anchor })
      const run = {
        id: newId(),
        verifiedAt: deps.now().toISOString(),
        verifiedBy: by === 'cli' ? 'cli' : by.staffId,
        result: outcome.ok ? ('ok' as const) : ('broken' as const),
        eventsChecked: outcome.eventsChecked,
        head: outcome.ok ? outcome.head : null,
        firstBreak: outcome.firstBreak,
      }
      const actor: Actor = by === 'cli' ? systemActor('cli') : { type: 'staff', id: by.staffId }
      await db.transaction(async (trx) => {
        await repo.insertVerification(trx, run)
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
            },
          },
          deps.now(),
        )
      })
      return { ...run, verifierName: null }
    },

    async recentVerifications(limit = 10): Promise<VerificationRun[]> {
      return repo.recentVerifications(limit)
    },

    /**
     * Records the export first, then yields the trail up to and including that record: the file
     * holds everything up to the moment it was asked for, and says itself that it was taken.
     */
    async exportTrail(actor: Actor): Promise<{ throughSeq: number; lines: AsyncGenerator<string> }> {
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
      async function* lines(): AsyncGenerator<string> {
        for await (const event of repo.chain(throughSeq)) yield trailLine(event)
      }
      return { throughSeq, lines: lines() }
    },
  }
}

export type AuditService = ReturnType<typeof auditService>
