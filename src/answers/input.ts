import type { Knex } from 'knex'
import type { AnswerInput } from '../domain/answer.js'
import { londonDate, type IsoDate } from '../domain/clock.js'
import { outcomes, type Outcome } from '../domain/request-lifecycle.js'
import { statusInfo } from '../domain/request-status.js'
import { requestTypeInfo } from '../domain/request-types.js'
import { requestsRepo } from '../requests/repo.js'
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
  const input = answerInputOf(request, study, dataMap, record, today, attachments)
  if (request.type !== 'access') return input
  const requests = requestsRepo(conn)
  const searches = (await requests.searchesOf(conn, request.id)).filter((s) => s.searchedOn <= today)
  const about = request.emailHmac ? await requests.recordsAbout(conn, study.id, request.emailHmac) : []
  return {
    ...input,
    searches: searches.map((s) => ({
      place: s.place,
      searchedOn: s.searchedOn,
      found: s.found,
      limit: s.limit,
    })),
    requestsToUs: about.map(({ request: r, messages }) => ({
      reference: r.reference ?? '',
      request: requestTypeInfo[r.type].name,
      receivedOn: r.receivedOn,
      status: statusInfo[r.status].label,
      outcome: r.outcome && Object.hasOwn(outcomes, r.outcome) ? outcomes[r.outcome as Outcome] : null,
      closedOn: r.closedAt ? londonDate(new Date(r.closedAt)) : null,
      letters: messages
        .filter((m) => londonDate(new Date(m.createdAt)) <= today)
        .map((m) => ({
          on: londonDate(new Date(m.createdAt)),
          from: m.direction === 'to_person' ? 'us' : 'you',
          subject: m.subject,
        })),
    })),
  }
}
