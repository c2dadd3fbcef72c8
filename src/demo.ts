import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Logger } from 'pino'
import type { StaffUser } from './domain/staff-user.js'
import type { Config } from './config.js'
import type { Db } from './db/knex.js'
import { addCalendarMonths, addDays, londonDate } from './domain/clock.js'
import { fillPlaceholders } from './domain/letters.js'
import { requestTypes, type RequestDetails, type RequestType } from './domain/request-types.js'
import { importEmailRecords } from './records/import.js'
import { createServices, type Services } from './services.js'
import { newId } from './security/tokens.js'

export interface DemoReport {
  password: string
  staff: string[]
  records: number
  requests: number
}

// Close dates relative to today, so the demo always shows a closed survey and a running one.
const demoStudies = [
  { slug: 'demo-practice-supervision', title: 'Practice Supervision Survey (demo)', closesInDays: -55 },
  { slug: 'demo-leadership-pathways', title: 'Leadership Pathways Survey (demo)', closesInDays: 200 },
]

function detailsFor(type: RequestType): RequestDetails {
  switch (type) {
    case 'rectification':
      return {
        type,
        categories: ['email', 'occupation'],
        inaccurate: 'My email address is misspelt, and my occupation is out of date',
        correction: 'The address should end in .org.uk; I am now a team manager',
        askRecipients: true,
      }
    case 'restriction':
      return { type, ground: 'accuracy', description: 'Please hold my data while you check it.' }
    case 'objection':
      return { type, processing: 'direct_marketing' }
    case 'withdraw_consent':
      return { type, consent: 'ethnicity' }
    case 'erasure':
      return { type, reason: 'I no longer want to take part.' }
    default:
      return { type }
  }
}

/**
 * Fills an empty database with demo data a newcomer can click through: three studies, a few
 * hundred email records in every retention state, and requests of every type and status.
 */
export async function fillDemo(deps: { db: Db; config: Config; log: Logger }): Promise<DemoReport> {
  const { db } = deps
  const existing = await db('rights_requests').count<{ n: number | string }[]>({ n: '*' })
  const records = await db('email_records').count<{ n: number | string }[]>({ n: '*' })
  if (Number(existing[0]?.n) > 0 || Number(records[0]?.n) > 0) {
    throw new Error('The demo needs an empty database: this one already has requests or email records.')
  }
  const realNow = new Date()
  let clock = new Date(realNow.getTime() - 120 * 86_400_000)
  const services: Services = createServices({ ...deps, now: () => clock })
  const at = (daysAgo: number) => {
    clock = new Date(realNow.getTime() - daysAgo * 86_400_000)
  }

  const seed = (await services.studies.listAll())[0]
  if (!seed) throw new Error('The seed study is missing')
  const seedMap = await db('study_data_categories').where({ study_id: seed.id })
  const studyIds: string[] = [seed.id]
  for (const demo of demoStudies) {
    const id = newId()
    const stamp = realNow.toISOString()
    await db('studies').insert({
      id,
      slug: demo.slug,
      title: demo.title,
      controller_name: seed.controllerName,
      controller_address: seed.controllerAddress,
      dpo_email: seed.dpoEmail,
      privacy_notice_text: seed.privacyNoticeText,
      privacy_notice_date: seed.privacyNoticeDate,
      survey_closes_on: addDays(londonDate(realNow), demo.closesInDays),
      survey_extension_months: 12,
      accepting_requests: true,
      platform_retention_months: 6,
      voucher_retention_months: 2,
      recipients: seed.recipients,
      international_transfers: seed.internationalTransfers,
      created_at: stamp,
      updated_at: stamp,
    })
    await db('study_data_categories').insert(
      seedMap.map((c: Record<string, unknown>) => ({ ...c, id: newId(), study_id: id })),
    )
    studyIds.push(id)
  }

  const password = randomBytes(12).toString('base64url')
  const staff: StaffUser[] = []
  for (const [role, name] of [
    ['admin', 'Ada Admin'],
    ['dpo', 'Dana Officer'],
    ['auditor', 'Aubrey Auditor'],
  ] as const) {
    staff.push(
      await services.accounts.createUser({ email: `${role}@demo.test`, role, displayName: name, password }),
    )
  }
  const dpo = staff[1] as StaffUser

  // Email records: vouchers, extractions, restrictions and tombstones spread over each study.
  const today = londonDate(realNow)
  let recordCount = 0
  for (const [index, studyId] of studyIds.entries()) {
    const lines = ['email,participated,voucher sent,extracted']
    for (let i = 0; i < 120; i++) {
      const participated = index === 0 ? '2021-06-15' : addDays(today, -200 + i)
      const voucher = i % 3 === 0 ? '' : index === 0 ? '2021-07-20' : addDays(today, -150 + i)
      const extracted = i % 4 === 0 ? (index === 0 ? '2021-09-10' : addDays(today, -40)) : ''
      lines.push(
        `person${i}@study${index + 1}.demo.test,${participated},${voucher > today ? '' : voucher},${extracted}`,
      )
    }
    const report = await importEmailRecords(
      { db, secret: deps.config.secret, now: () => realNow },
      { studyId, open: () => Readable.from([lines.join('\n')]), actor: { type: 'system', id: 'demo' } },
    )
    recordCount += report.created
  }
  const seedRecords = db('email_records').where({ study_id: seed.id })
  await seedRecords.clone().where('email', 'like', 'person1_@%').update({ restricted_since: '2022-01-10' })
  await seedRecords
    .clone()
    .where('email', 'like', 'person2_@%')
    .update({ email: null, erased_on: '2022-03-01', erasure_reason: 'retention_schedule' })

  // Requests of every type, at different stages.
  const emails = (n: number) => `person${n}@study3.demo.test`
  let made = 0
  const file = async (type: RequestType, n: number, daysAgo: number) => {
    at(daysAgo)
    const study = (await services.studies.findById(studyIds[n % 3] as string)) ?? seed
    const email = n % 3 === 2 ? emails(n) : `person${n}@study${(n % 3) + 1}.demo.test`
    const { requestId } = await services.intake.submit({
      study,
      type,
      details: detailsFor(type),
      email,
      name: n % 2 ? `Person ${n}` : null,
    })
    made++
    return requestId
  }
  const confirm = async (requestId: string) => {
    const token = newTokenFor(
      await db('outbox').where({ request_id: requestId, kind: 'confirm-request' }).first('text_body'),
    )
    return services.intake.confirm(token)
  }
  const version = async (id: string) => (await services.requests.findById(id))?.version ?? 0

  // What a completed request of each type did to the person's record before it was answered.
  const actOn = async (type: RequestType, id: string) => {
    const request = await services.requests.findById(id)
    const record = request?.recordId ? await services.records.findById(request.recordId) : undefined
    if (!request || !record || record.facts.erased) return
    let restricted = record.facts.restriction !== null
    if (type === 'erasure' && restricted) {
      // In the story this restriction was lifted, after notice, before the erasure was asked for.
      await db('email_records')
        .where({ id: record.id })
        .update({ restricted_since: null, restriction_ground: null, restriction_review_on: null })
      restricted = false
    }
    if (type === 'erasure' && !restricted) {
      await services.caseHandling.eraseRecordNow(dpo, id, await version(id))
    } else if (type === 'rectification') {
      await services.caseHandling.rectifyAddress(
        dpo,
        id,
        await version(id),
        `corrected.${id.slice(0, 8)}@demo.test`,
      )
      const { parts } = await services.caseHandling.completion(
        (await services.requests.findById(id)) ?? request,
        (await services.studies.findById(request.studyId)) ?? seed,
      )
      if (parts.some((p) => p.key === 'occupation' && p.state.state === 'to_do')) {
        await services.caseHandling.decideRectification(dpo, id, await version(id), {
          category: 'occupation',
          decision: 'corrected',
          reasoning: '',
        })
      }
    } else if (type === 'restriction' && !restricted) {
      await services.caseHandling.restrictRecord(
        dpo,
        id,
        await version(id),
        request.details?.type === 'restriction' ? request.details.ground : 'accuracy',
        addCalendarMonths(londonDate(clock), 3),
      )
    } else if (type === 'objection') {
      await services.caseHandling.decideObjection(dpo, id, await version(id), 'stopped', '')
    } else if (type === 'withdraw_consent') {
      await services.caseHandling.withdrawConsent(dpo, id, await version(id))
    }
    await finishTasks(id)
  }

  // The answer as the case page drafts it: the study's wording, with what the case recorded.
  const draftedAnswer = async (id: string): Promise<string> => {
    const request = await services.requests.findById(id)
    const study = request ? await services.studies.findById(request.studyId) : undefined
    if (!request || !study) throw new Error('No such request')
    const { details } = await services.caseHandling.completion(request, study)
    const wording = await services.templates.forCase(request.type)
    return fillPlaceholders(wording.completion, {
      ...services.caseHandling.letterContext(request, study, request.extendedDueOn ?? request.dueOn),
      details,
    })
  }

  // The work outside the portal, done and ticked off; ticking some off makes more (a deletion).
  const finishTasks = async (id: string) => {
    for (let pass = 0; pass < 3; pass++) {
      const open = (await services.caseHandling.tasks(id)).filter((t) => !t.doneAt)
      if (open.length === 0) return
      for (const task of open) {
        await services.caseHandling.completeTask(dpo, id, task.id, demoResolution(task))
      }
    }
  }

  let n = 0
  for (const type of requestTypes) {
    for (const stage of [
      'received',
      'clarification',
      'extended',
      'completed',
      'refused',
      'withdrawn',
      'overdue',
    ] as const) {
      n++
      const daysAgo = stage === 'overdue' ? 40 : stage === 'received' ? 3 + (n % 20) : 25
      const id = await file(type, n, daysAgo)
      await confirm(id)
      at(daysAgo - 1)
      if (stage === 'clarification' && type === 'access') {
        await services.caseHandling.ask(
          dpo,
          id,
          await version(id),
          'clarification',
          'Which data do you mean?',
        )
      } else if (stage === 'extended') {
        await services.caseHandling.extend(
          dpo,
          id,
          await version(id),
          'This request is complex. We will answer by {due}.',
        )
      } else if (stage === 'completed') {
        await services.caseHandling.assign(dpo, id, await version(id), dpo.id)
        if (type === 'access') {
          // Where the DPO looked for the person's data, for the answer's search log (Art. 15(1A)).
          const searchedOn = londonDate(clock)
          await services.caseHandling.logSearch(dpo, id, await version(id), {
            place: 'Survey platform: responses export filtered by the address',
            searchedOn,
            found: 'One response, exported as survey-answers.csv.',
            limit: '',
          })
          await services.caseHandling.logSearch(dpo, id, await version(id), {
            place: 'The study mailbox for voucher correspondence',
            searchedOn,
            found: 'One thread about the voucher, exported as voucher-correspondence.txt.',
            limit: 'Searched by the address only; the mailbox holds nothing older than the study.',
          })
          await services.answers.attach(dpo, id, {
            filename: 'survey-answers.csv',
            body: Buffer.from('question,answer\nOccupation,Team manager\nEthnicity,Prefer not to say\n'),
          })
          // The correspondence about a voucher is personal data too: a copy from the mailbox goes with it.
          const request = await services.requests.findById(id)
          const record = request?.recordId ? await services.records.findById(request.recordId) : undefined
          if (record?.facts.voucherSentOn) {
            await services.answers.attach(dpo, id, {
              filename: 'voucher-correspondence.txt',
              body: Buffer.from(
                `Voucher sent on ${record.facts.voucherSentOn}.\nFrom you: Thank you, the voucher code worked.\n`,
              ),
            })
          }
        }
        if (type === 'access' || type === 'portability') {
          await services.answers.prepare(dpo, id, await version(id), { ethnicity: 'Prefer not to say' })
        }
        await actOn(type, id)
        await services.caseHandling.complete(dpo, id, await version(id), await draftedAnswer(id))
      } else if (stage === 'refused') {
        await services.caseHandling.refuse(
          dpo,
          id,
          await version(id),
          type === 'erasure' ? 'research_exemption' : 'manifestly_excessive',
          type === 'erasure'
            ? 'Removing one participant’s answers would seriously impair the research.'
            : 'This repeats a request we answered last month, with nothing changed since.',
        )
      } else if (stage === 'withdrawn') {
        await services.caseHandling.close(dpo, id, await version(id), 'withdrawn', 'Withdrawn by email')
      } else if (stage === 'received' && n % 2 === 0) {
        await services.caseHandling.assign(dpo, id, await version(id), dpo.id)
      }
    }
  }
  // Unconfirmed, and lapsed as unverified.
  await file('access', 90, 1)
  await file('erasure', 91, 12)
  at(0)
  await services.intake.closeLapsedUnconfirmed()
  return { password, staff: staff.map((s) => `${s.email} (${s.role})`), records: recordCount, requests: made }
}

/** How the demo's DPO ticks off each kind of task. */
function demoResolution(task: { kind: string | null; subject: string | null }): {
  resolution: string
  note: string
} {
  switch (task.kind) {
    case 'notify_recipient':
      return /law|regulator|authorit|anonymi/i.test(task.subject ?? '')
        ? {
            resolution: 'not_disclosed',
            note: 'Nothing that identifies the person was ever disclosed to them.',
          }
        : {
            resolution: 'notified',
            note: 'Emailed their data protection contact, who confirmed the same day.',
          }
    case 'consider_erasure':
      return { resolution: 'erase', note: 'Consent was the only ground for it.' }
    default:
      return { resolution: 'done', note: 'Done on the survey platform.' }
  }
}

function newTokenFor(row: { text_body: string } | undefined): string {
  const token = /\/confirm\/([A-Za-z0-9_-]{43})/.exec(row?.text_body ?? '')?.[1]
  if (!token) throw new Error('No confirmation link')
  return token
}
