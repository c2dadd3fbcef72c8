import type { Knex } from 'knex'
import {
  buildAccessAnswer,
  buildPortabilityAnswer,
  type AccessAnswer,
  type PortabilityAnswer,
} from '../domain/answer.js'
import type { RightsRequest } from '../requests/repo.js'
import type { Study } from '../domain/study.js'
import { bodyOf, filesOf } from './files.js'
import { loadAnswerInput } from './input.js'

/**
 * Why an access or portability answer cannot be sent as it is, or null when it can. The prepared
 * answer must still be what the record and the attachments say: it is rebuilt for the day it was
 * prepared and compared, so an attachment added or removed, or a record changed since, means it
 * is prepared again. An access answer whose survey data is still linked needs the copy attached
 * unless the request is answered only in part.
 */
export async function answerNotReady(
  trx: Knex,
  request: RightsRequest,
  study: Study,
  outcome: string,
): Promise<string | null> {
  if (request.type !== 'access' && request.type !== 'portability') return null
  if (outcome === 'no_data_held') return null
  const files = (await filesOf(trx, request.id)).filter((f) => !f.revokedAt)
  const draft = files.find((f) => f.kind !== 'attachment' && !f.publishedAt)
  const body = draft ? await bodyOf(trx, draft.id) : null
  if (!draft || !body) return 'Prepare the answer before sending it'
  const prepared = JSON.parse(body.toString('utf8')) as AccessAnswer | PortabilityAnswer
  const attachments = files.filter((f) => f.kind === 'attachment').map((f) => f.filename)
  const input = await loadAnswerInput(trx, request, study, prepared.generatedOn, attachments)
  const now =
    prepared.kind === 'access'
      ? buildAccessAnswer(input)
      : buildPortabilityAnswer(input, Object.fromEntries(prepared.data.map((d) => [d.key, d.value ?? ''])))
  if (JSON.stringify(now) !== JSON.stringify(prepared)) {
    return 'The record or the attached files changed since the answer was prepared: prepare it again'
  }
  if (prepared.kind === 'access' && outcome === 'fulfilled' && input.record?.view.answersLinked) {
    if (attachments.length === 0) {
      return 'The survey answers are still linked to this address: attach the copy from the survey platform, or keep it back on a ground under ‘What the request asked for’'
    }
  }
  return null
}
