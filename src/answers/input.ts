import type { Knex } from 'knex'
import type { AnswerInput } from '../domain/answer.js'
import type { IsoDate } from '../domain/clock.js'
import { retentionStateAt } from '../domain/retention.js'
import { recordsRepo } from '../records/repo.js'
import type { RightsRequest } from '../requests/repo.js'
import { retentionPolicyOf, studiesRepo, type Study } from '../studies/repo.js'

/** What an answer is built from: the request's record as it is on a day, and the study's data map. */
export async function buildAnswerInput(
  conn: Knex,
  request: RightsRequest,
  study: Study,
  today: IsoDate,
  attachments: string[],
): Promise<AnswerInput> {
  const record = request.recordId ? await recordsRepo(conn).findById(request.recordId) : undefined
  const view = record ? retentionStateAt(record.facts, retentionPolicyOf(study), today) : undefined
  return {
    reference: request.reference ?? '',
    generatedOn: today,
    study: {
      title: study.title,
      controllerName: study.controllerName,
      controllerAddress: study.controllerAddress,
      dpoEmail: study.dpoEmail,
      privacyNoticeDate: study.privacyNoticeDate,
      recipients: study.recipients,
      internationalTransfers: study.internationalTransfers,
    },
    dataMap: await studiesRepo(conn).dataMap(study.id),
    record:
      record && view
        ? {
            email: record.email,
            participatedOn: record.participatedOn,
            voucherSentOn: record.facts.voucherSentOn,
            extractedOn: record.facts.extractedOn,
            erasedOn: record.facts.erased?.on ?? null,
            consentWithdrawnOn: record.consentWithdrawnOn,
            restrictionSince: record.facts.restriction?.since ?? null,
            view,
          }
        : null,
    attachments,
  }
}
