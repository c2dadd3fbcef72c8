import type { Knex } from 'knex'
import type { AnswerInput } from '../domain/answer.js'
import type { IsoDate } from '../domain/clock.js'
import type { DataCategory } from '../domain/data-map.js'
import { retentionStateAt } from '../domain/retention.js'
import { recordsRepo } from '../records/repo.js'
import { type EmailRecord } from '../domain/email-record.js'
import type { RightsRequest } from '../requests/repo.js'
import { studiesRepo } from '../studies/repo.js'
import { retentionPolicyOf, type Study } from '../domain/study.js'

/** What an answer is built from: the request's record as it is on a day, and the study's data map. */
export function answerInputOf(
  request: RightsRequest,
  study: Study,
  dataMap: DataCategory[],
  record: EmailRecord | undefined,
  today: IsoDate,
  attachments: string[],
): AnswerInput {
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
    dataMap,
    record: record
      ? {
          email: record.email,
          participatedOn: record.participatedOn,
          voucherSentOn: record.facts.voucherSentOn,
          extractedOn: record.facts.extractedOn,
          erasedOn: record.facts.erased?.on ?? null,
          consentWithdrawnOn: record.consentWithdrawnOn,
          restrictionSince: record.facts.restriction?.since ?? null,
          view: retentionStateAt(record.facts, retentionPolicyOf(study), today),
        }
      : null,
    attachments,
  }
}

/** The same, read inside a transaction so the answer matches what it commits with. */
export async function loadAnswerInput(
  conn: Knex,
  request: RightsRequest,
  study: Study,
  today: IsoDate,
  attachments: string[],
): Promise<AnswerInput> {
  const record = request.recordId ? await recordsRepo(conn).findById(request.recordId) : undefined
  const dataMap = await studiesRepo(conn).dataMap(study.id)
  return answerInputOf(request, study, dataMap, record, today, attachments)
}
