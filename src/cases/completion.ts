import type { Knex } from 'knex'
import { bodyOf, filesOf, type RequestFile } from '../answers/files.js'
import { loadAnswerInput } from '../answers/input.js'
import { eventsFor, type StoredEvent } from '../audit/events.js'
import type { AnswerInput, PortabilityAnswer } from '../domain/answer.js'
import { londonDate, type IsoDate } from '../domain/clock.js'
import { completionDetails, type CompletionLetterFacts } from '../domain/completion-letter.js'
import { directMarketingChoice, objectionChoices } from '../domain/data-map.js'
import { asksRecipients, namedCategories, restrictionGrounds } from '../domain/request-types.js'
import { recipientsParagraph } from '../domain/case-work.js'
import {
  isPartGroundFor,
  requestParts,
  type CaseAction,
  type OutcomeFacts,
  type PartDecision,
  type RequestPart,
} from '../domain/request-outcome.js'
import type { RightsRequest } from '../domain/rights-request.js'
import type { Study } from '../domain/study.js'
import { downloadExpiresOn } from '../domain/answer.js'
import { requestsRepo } from '../requests/repo.js'
import { recordsRepo } from '../records/repo.js'

/**
 * What a request's completion is built from, read from the case: the record then and now, what the
 * case did (its events), the DPO's decisions per part, and the prepared answer.
 */
export interface CompletionView {
  input: AnswerInput
  parts: RequestPart[]
  /** The draft of what was done, for the completion letter's `{details}`. */
  details: string
}

/** What the case did for the request, from its events. */
export function actionsOf(events: StoredEvent[], record: AnswerInput['record']): CaseAction[] {
  const actions: CaseAction[] = []
  for (const event of events) {
    const on = londonDate(new Date(event.occurredAt))
    switch (event.kind) {
      case 'case.record_erased':
        actions.push({
          kind: 'erased',
          on: typeof event.data.erasedOn === 'string' ? event.data.erasedOn : on,
        })
        break
      case 'case.address_rectified':
        actions.push({ kind: 'address_rectified', on })
        break
      case 'case.record_restricted':
        // A restriction lifted since no longer restricts anything.
        if (record?.restrictionSince) actions.push({ kind: 'restricted', on })
        break
      case 'case.consent_withdrawn':
        actions.push({ kind: 'consent_withdrawn', on })
        break
      case 'case.objection_decided':
        if (event.data.decision === 'stopped') actions.push({ kind: 'processing_stopped', on })
        break
    }
  }
  return actions
}

function objectionOf(request: RightsRequest, input: AnswerInput): OutcomeFacts['objection'] {
  if (request.details?.type !== 'objection') return null
  const processing = request.details.processing
  if (processing === directMarketingChoice.value)
    return { label: directMarketingChoice.label, directMarketing: true }
  const choice = objectionChoices(input.dataMap).find((c) => c.value === processing)
  return { label: choice?.label ?? 'The processing you objected to', directMarketing: false }
}

/** The prepared (unsent) answer, if there is one: its attachments and the values it includes. */
async function preparedAnswer(
  conn: Knex,
  files: RequestFile[],
): Promise<{ attachments: string[]; values: string[]; notGiven: string[] } | null> {
  const draft = files.find((f) => f.kind !== 'attachment' && !f.publishedAt)
  if (!draft) return null
  const attachments = files.filter((f) => f.kind === 'attachment').map((f) => f.filename)
  const body = await bodyOf(conn, draft.id)
  if (!body) return null
  const prepared = JSON.parse(body.toString('utf8')) as { kind: string } & Partial<PortabilityAnswer>
  const data = prepared.kind === 'portability' ? (prepared.data ?? []) : []
  return {
    attachments,
    values: data.filter((d) => d.value).map((d) => d.key),
    notGiven: data.filter((d) => !d.value).map((d) => d.key),
  }
}

export async function completionViewOf(
  conn: Knex,
  request: RightsRequest,
  study: Study,
  today: IsoDate,
): Promise<CompletionView> {
  // The request's files are read once: for the prepared answer and for the attachments.
  const files = (await filesOf(conn, request.id)).filter((f) => !f.revokedAt)
  const answer =
    request.type === 'access' || request.type === 'portability' ? await preparedAnswer(conn, files) : null
  const attachments = files.filter((f) => f.kind === 'attachment').map((f) => f.filename)
  const input = await loadAnswerInput(conn, request, study, today, attachments)
  const repo = requestsRepo(conn)
  const [events, stored, tasks, supplements] = await Promise.all([
    eventsFor(conn, { type: 'request', id: request.id }),
    repo.decisionsOf(conn, request.id),
    repo.workTasksOf(conn, request.id),
    repo.supplementsOf(conn, request.id),
  ])
  const decisions: PartDecision[] = stored.flatMap((d) =>
    isPartGroundFor(request.type, d.ground)
      ? [{ part: d.part, ground: d.ground, reasoning: d.reasoning }]
      : [],
  )
  const parts = requestParts({
    type: request.type,
    dataMap: input.dataMap,
    snapshot: request.recordSnapshot,
    record: input.record,
    actions: actionsOf(events, input.record),
    decisions,
    answer,
    objection: objectionOf(request, input),
    tasks,
    supplements,
    named: namedCategories(request.details),
  })
  const record = request.recordId ? await recordsRepo(conn).findById(request.recordId) : undefined
  const ground = record?.restrictionGround
    ? restrictionGrounds[record.restrictionGround as keyof typeof restrictionGrounds]
    : undefined
  const letterFacts: CompletionLetterFacts = {
    downloadsUntil: downloadExpiresOn(today),
    restrictionGround: ground ? `${ground.label.toLowerCase()}, ${ground.article}` : null,
    restrictionReviewOn: record?.restrictionReviewOn ?? null,
    recipients: recipientsParagraph(tasks, asksRecipients(request.details)),
    noEmailAddress: !request.email && !request.emailHmac,
  }
  return { input, parts, details: completionDetails(request.type, input, parts, letterFacts) }
}
