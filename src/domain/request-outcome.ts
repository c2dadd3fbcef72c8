import {
  categoryHeld,
  isVoucherCorrespondenceCopy,
  voucherCorrespondenceKey,
  type AnswerRecord,
} from './answer.js'
import { formatLongDate, type IsoDate } from './clock.js'
import { lawfulBasisLabels, portableCategories, type DataCategory } from './data-map.js'
import { consentCategoriesToStop, correctionPlace, type WorkTask } from './case-work.js'
import type { RequestType } from './request-types.js'
import type { RecordSnapshot } from './retention.js'

/**
 * What a request asked for, part by part, and what became of each part: done (from what the case
 * recorded), kept or withheld on a ground the DPO decided for this case, beyond reach (no record,
 * deleted earlier, no longer linkable), outside the right, or still to do. A completion's outcome
 * and its letter are built from these parts, so neither can say more than the case shows.
 */

/** Why one part of a request was not done, each with its legal basis. */
export const partGrounds = {
  not_inaccurate: 'The data is accurate, so there is nothing to correct (Article 16)',
  erasure_public_task:
    'We need the data to comply with a legal obligation or for a task in the public interest (Article 17(3)(b))',
  erasure_research:
    'Erasing the data would make research in the public interest impossible or seriously impair it (Article 17(3)(d))',
  erasure_legal_claims: 'We need the data to establish, exercise or defend legal claims (Article 17(3)(e))',
  compelling_grounds:
    'We have compelling legitimate grounds for the processing that override your interests, rights and freedoms (Article 21(1))',
  public_interest_research:
    'The processing is research necessary for a task carried out in the public interest (Article 21(6))',
  research_statistics:
    'The research and statistics exemption (Data Protection Act 2018, Schedule 2, paragraph 27)',
  archiving:
    'The archiving in the public interest exemption (Data Protection Act 2018, Schedule 2, paragraph 28)',
  other_exemption: 'An exemption in the Data Protection Act 2018, Schedules 2 to 4, named in the reasons',
} as const

export type PartGround = keyof typeof partGrounds

const groundsByType: Record<RequestType, PartGround[]> = {
  access: ['research_statistics', 'archiving', 'other_exemption'],
  portability: ['archiving', 'other_exemption'],
  rectification: ['not_inaccurate', 'research_statistics', 'archiving', 'other_exemption'],
  erasure: ['erasure_public_task', 'erasure_research', 'erasure_legal_claims', 'other_exemption'],
  restriction: ['research_statistics', 'archiving', 'other_exemption'],
  objection: [
    'compelling_grounds',
    'public_interest_research',
    'research_statistics',
    'archiving',
    'other_exemption',
  ],
  // Consent can always be withdrawn (Art. 7(3)): there is no ground to keep using the data.
  withdraw_consent: [],
}

/** The grounds a part of this request type may be kept or withheld on. */
export function partGroundsFor(type: RequestType): PartGround[] {
  return groundsByType[type]
}

export function isPartGroundFor(type: RequestType, ground: string): ground is PartGround {
  return (groundsByType[type] as string[]).includes(ground)
}

/** The DPO's recorded decision not to do one part, with the reasons for this case. */
export interface PartDecision {
  part: string
  ground: PartGround
  reasoning: string
}

/** What the case did for the request, read from its events. */
export type CaseAction =
  | { kind: 'erased'; on: IsoDate }
  | { kind: 'address_rectified'; on: IsoDate }
  | { kind: 'restricted'; on: IsoDate }
  | { kind: 'consent_withdrawn'; on: IsoDate }
  | { kind: 'processing_stopped'; on: IsoDate }

export interface OutcomeFacts {
  type: RequestType
  dataMap: DataCategory[]
  /** What the record held when the request was confirmed. */
  snapshot: RecordSnapshot | null
  /** The record now, after whatever the case did. Null when no record was found. */
  record: AnswerRecord | null
  actions: CaseAction[]
  decisions: PartDecision[]
  /**
   * The prepared answer of an access or portability request, if one is prepared: its attachments,
   * the categories it gives a value for, and those recorded as never given.
   */
  answer: { attachments: string[]; values: string[]; notGiven?: string[] } | null
  /** The objection's processing, in words, and whether it is direct marketing. */
  objection: { label: string; directMarketing: boolean } | null
  /** The case's tasks the rights rules made (corrections, stopping processing, recipients). */
  tasks?: WorkTask[]
  /** Supplementary statements added to the record for this request, by category. */
  supplements?: { category: string; on: IsoDate }[]
  /**
   * The categories a rectification says are wrong or incomplete; absent for one made before a
   * request could name them, which is about the address.
   */
  named?: string[] | null
}

/** How a part was done, where the letter must say more than that it was: where, or the note. */
export interface DoneHow {
  how?: 'corrected' | 'supplemented' | 'stopped' | 'erased' | 'kept_on_other_ground'
  /** Where a correction was made: "on the survey platform". */
  where?: string
  /** For data kept on another ground once consent was withdrawn, the ground. */
  note?: string
}

export type PartState =
  | ({ state: 'done'; on: IsoDate | null } & DoneHow)
  | { state: 'kept'; ground: PartGround; reasoning: string }
  | { state: 'not_identifiable' }
  /** Nothing of it is held for this person: no voucher was sent, or its copy is already gone. */
  | { state: 'none_held' }
  | { state: 'no_record' }
  | { state: 'deleted_before' }
  /** The address was erased while the request was open (by another request, say). */
  | { state: 'deleted_during'; on: IsoDate | null }
  /** The person never gave this data (a question they left unanswered). */
  | { state: 'not_provided' }
  | { state: 'out_of_scope'; article: string; reason: string }
  /** `undecided`: a correction the DPO has not yet decided on (Art. 16). */
  | { state: 'to_do'; next: string; undecided?: boolean }

export interface RequestPart {
  key: string
  label: string
  /** Whether the DPO may record a ground for not doing this part. */
  decidable: boolean
  state: PartState
}

const actionOf = (facts: OutcomeFacts, kind: CaseAction['kind']) => facts.actions.find((a) => a.kind === kind)

/** A part done by the action, kept by a decision, or still to do. */
function actOrDecide(
  facts: OutcomeFacts,
  key: string,
  action: CaseAction['kind'] | null,
  next: string,
  done?: IsoDate | null,
): PartState {
  const decision = facts.decisions.find((d) => d.part === key)
  if (decision) return { state: 'kept', ground: decision.ground, reasoning: decision.reasoning }
  const taken = action ? actionOf(facts, action) : undefined
  if (taken) return { state: 'done', on: taken.on }
  if (done !== undefined) return { state: 'done', on: done }
  return { state: 'to_do', next }
}

/** Whether the record was there, gone already, or never found, when the request came in. */
function reach(facts: OutcomeFacts): 'no_record' | 'deleted_before' | 'held' {
  if (!facts.snapshot || facts.snapshot.state === 'no_record' || !facts.record) return 'no_record'
  if (facts.snapshot.state === 'erased') return 'deleted_before'
  return 'held'
}

/** Whether a category could be linked to the person when the request was confirmed. */
function linkedAtStart(category: DataCategory, snapshot: RecordSnapshot): boolean {
  return category.key === 'email' || category.linkedAfterExtraction || snapshot.answersLinked
}

function unreachable(key: string, label: string, state: 'no_record' | 'deleted_before'): RequestPart {
  return { key, label, decidable: false, state: { state } }
}

/** The parts of the request and what became of each. */
export function requestParts(facts: OutcomeFacts): RequestPart[] {
  const reached = reach(facts)
  const snapshot = facts.snapshot
  const categories = facts.dataMap
  const decidable = partGroundsFor(facts.type).length > 0
  const part = (key: string, label: string, state: PartState): RequestPart => ({
    key,
    label,
    decidable: decidable && (state.state === 'to_do' || state.state === 'kept'),
    state,
  })

  switch (facts.type) {
    case 'access':
    case 'portability': {
      const portable = new Set(portableCategories(categories).map((c) => c.key))
      return categories.map((c) => {
        if (facts.type === 'portability' && !portable.has(c.key)) {
          return part(c.key, c.label, {
            state: 'out_of_scope',
            article: c.lawfulBasis === 'public_task' ? 'Article 20(3)' : 'Article 20(1)',
            reason: `We use it on the basis of ${lawfulBasisLabels[c.lawfulBasis].toLowerCase()}; portability covers only data you gave us with your consent or under a contract.`,
          })
        }
        if (reached !== 'held') return unreachable(c.key, c.label, reached)
        const held = categoryHeld(c, facts.record)
        if (held === 'erased') {
          // Erased while this request was open: a prepared answer was revoked with it, so the
          // answer is prepared again from the record as it now is.
          if (!facts.answer) return part(c.key, c.label, { state: 'to_do', next: 'Prepare the answer again' })
          return {
            key: c.key,
            label: c.label,
            decidable: false,
            state: { state: 'deleted_during', on: facts.record?.erasedOn ?? null },
          }
        }
        if (held === 'anonymised') return part(c.key, c.label, { state: 'not_identifiable' })
        if (held === 'not_held' || held === 'deleted') return part(c.key, c.label, { state: 'none_held' })
        if (!facts.answer) return part(c.key, c.label, actOrDecide(facts, c.key, null, 'Prepare the answer'))
        if (facts.type === 'portability' && facts.answer.notGiven?.includes(c.key)) {
          return part(c.key, c.label, { state: 'not_provided' })
        }
        const included =
          facts.type === 'access'
            ? c.key === voucherCorrespondenceKey
              ? facts.answer.attachments.some(isVoucherCorrespondenceCopy)
              : c.key === 'email' || facts.answer.attachments.length > 0
            : facts.answer.values.includes(c.key)
        return part(
          c.key,
          c.label,
          actOrDecide(
            facts,
            c.key,
            null,
            facts.type === 'access'
              ? c.key === voucherCorrespondenceKey
                ? 'Attach a copy of the voucher correspondence (a file with “voucher” in its name) and prepare the answer again'
                : 'Attach the copy from the survey platform and prepare the answer again'
              : 'Copy the value in from the survey platform and prepare the answer again',
            included ? null : undefined,
          ),
        )
      })
    }

    case 'erasure':
      return categories.map((c) => {
        if (reached !== 'held' || !snapshot)
          return unreachable(c.key, c.label, reached === 'held' ? 'no_record' : reached)
        if (!linkedAtStart(c, snapshot)) return part(c.key, c.label, { state: 'not_identifiable' })
        // Correspondence that never existed (no voucher was sent) is not there to erase.
        if (c.key === voucherCorrespondenceKey && categoryHeld(c, facts.record) === 'not_held') {
          return part(c.key, c.label, { state: 'none_held' })
        }
        // Erasing the address deletes it everywhere the portal knows; what stays can no longer be
        // linked. Once the address is erased it cannot be said to be kept, whatever was decided.
        if (c.key === 'email' && actionOf(facts, 'erased')) {
          return part(c.key, c.label, { state: 'done', on: actionOf(facts, 'erased')?.on ?? null })
        }
        return part(c.key, c.label, actOrDecide(facts, c.key, 'erased', 'Erase the record'))
      })

    case 'rectification': {
      if (!facts.named) {
        // A request made before the form named the data: it is about the address.
        if (reached !== 'held') return [unreachable('correction', 'The correction you asked for', reached)]
        return [
          part(
            'correction',
            'The correction you asked for',
            actOrDecide(facts, 'correction', 'address_rectified', 'Correct the record, or record why not'),
          ),
        ]
      }
      const named = categories.filter((c) => facts.named?.includes(c.key))
      return named.map((c) => {
        if (reached !== 'held' || !snapshot)
          return unreachable(c.key, c.label, reached === 'held' ? 'no_record' : reached)
        if (!linkedAtStart(c, snapshot)) return part(c.key, c.label, { state: 'not_identifiable' })
        return part(c.key, c.label, rectificationState(facts, c))
      })
    }

    case 'restriction':
      if (reached !== 'held') return [unreachable('restriction', 'Your personal data', reached)]
      return [
        part(
          'restriction',
          'Your personal data',
          actOrDecide(
            facts,
            'restriction',
            'restricted',
            'Restrict the record',
            facts.record?.restrictionSince ?? undefined,
          ),
        ),
      ]

    case 'objection': {
      const label = facts.objection?.label ?? 'The processing you objected to'
      if (reached !== 'held') return [unreachable('processing', label, reached)]
      const state = actOrDecide(
        facts,
        'processing',
        'processing_stopped',
        'Record the decision on the objection',
      )
      return [
        {
          key: 'processing',
          label,
          // An objection to direct marketing is absolute (Art. 21(3)): it can only be upheld.
          decidable: !facts.objection?.directMarketing && (state.state === 'to_do' || state.state === 'kept'),
          state,
        },
      ]
    }

    case 'withdraw_consent': {
      if (reached !== 'held' || !snapshot) {
        return [unreachable('consent', 'Your consent', reached === 'held' ? 'no_record' : reached)]
      }
      const withdrawn = actOrDecide(
        facts,
        'consent',
        'consent_withdrawn',
        'Record the withdrawal on the record',
      )
      const tasks = facts.tasks ?? []
      const linked = new Set(consentCategoriesToStop(categories, snapshot.answersLinked).map((c) => c.key))
      const consentData = categories
        .filter((c) => c.lawfulBasis === 'consent')
        .map((c) =>
          linked.has(c.key)
            ? part(c.key, c.label, stoppedState(withdrawn, tasks, c))
            : part(c.key, c.label, { state: 'not_identifiable' }),
        )
      const consider = tasks.find((t) => t.kind === 'consider_erasure')
      return [
        part('consent', 'Your consent', withdrawn),
        ...consentData,
        ...(consider
          ? [part('erasure', 'Whether to erase it as well (Article 17(1)(b))', considered(consider, tasks))]
          : []),
      ]
    }
  }
}

/** One category the person says is wrong: corrected, completed by their statement, or still open. */
function rectificationState(facts: OutcomeFacts, category: DataCategory): PartState {
  const decision = facts.decisions.find((d) => d.part === category.key)
  if (decision) return { state: 'kept', ground: decision.ground, reasoning: decision.reasoning }
  const supplement = facts.supplements?.find((s) => s.category === category.key)
  if (supplement) return { state: 'done', on: supplement.on, how: 'supplemented' }
  const task = facts.tasks?.find((t) => t.kind === 'rectify' && t.subject === category.key)
  const place = correctionPlace(category)
  if (category.key === 'email') {
    const rectified = actionOf(facts, 'address_rectified')
    if (!rectified) {
      return { state: 'to_do', next: 'Correct the address, or record the decision on it', undecided: true }
    }
    // The platform's copy is a task; without one, the platform no longer held the address.
    if (task && !task.doneOn) return { state: 'to_do', next: `Tick off the task to correct it ${place}` }
    return {
      state: 'done',
      on: task?.doneOn ?? rectified.on,
      how: 'corrected',
      where: task ? `in our records and ${place}` : 'in our records',
    }
  }
  if (!task) return { state: 'to_do', next: 'Record the decision on this correction', undecided: true }
  if (!task.doneOn) return { state: 'to_do', next: `Tick off the task to correct it ${place}` }
  return { state: 'done', on: task.doneOn, how: 'corrected', where: place }
}

/** Consent-based data: stopped once the withdrawal is recorded and its stop task is done. */
function stoppedState(withdrawn: PartState, tasks: WorkTask[], category: DataCategory): PartState {
  if (withdrawn.state !== 'done') return withdrawn
  const task = tasks.find((t) => t.kind === 'stop_processing' && t.subject === category.key)
  // A withdrawal recorded before stopping became a task took effect on the record that day.
  if (!task) return withdrawn
  if (!task.doneOn) {
    return { state: 'to_do', next: `Tick off the task to stop processing it ${correctionPlace(category)}` }
  }
  return { state: 'done', on: task.doneOn, how: 'stopped' }
}

/** The Art. 17(1)(b) question: decided to keep on another ground, or erased once the deletions are done. */
function considered(task: WorkTask, tasks: WorkTask[]): PartState {
  if (!task.doneOn) return { state: 'to_do', next: 'Decide whether to erase the consent-based data as well' }
  if (task.resolution === 'keep') {
    return { state: 'done', on: task.doneOn, how: 'kept_on_other_ground', note: task.note ?? '' }
  }
  const deletions = tasks.filter((t) => t.kind === 'erase_category')
  const open = deletions.find((t) => !t.doneOn)
  if (open) return { state: 'to_do', next: 'Tick off the deletion tasks' }
  const last =
    deletions
      .map((t) => t.doneOn ?? task.doneOn)
      .sort()
      .at(-1) ?? task.doneOn
  return { state: 'done', on: last, how: 'erased' }
}

export type DerivedOutcome =
  | { ok: true; outcome: 'fulfilled' | 'partly_fulfilled' | 'no_data_held' }
  | { ok: false; problem: string; part: string | null }

/**
 * The outcome the parts add up to: fulfilled only when nothing was kept back, partly fulfilled
 * when something was (each with its recorded ground), no data held when nothing could be acted
 * on. A request where nothing was done but something was kept back is a refusal, not a completion.
 */
export function derivedOutcome(parts: RequestPart[]): DerivedOutcome {
  const toDo = parts.find((p) => p.state.state === 'to_do')
  if (toDo && toDo.state.state === 'to_do') {
    return {
      ok: false,
      part: toDo.key,
      problem: `${toDo.label}: ${toDo.state.next}${toDo.decidable && !toDo.state.undecided ? ', or record why it is not done' : ''}`,
    }
  }
  const done = parts.some((p) => p.state.state === 'done')
  const kept = parts.some((p) => p.state.state === 'kept')
  if (!done && kept) {
    return {
      ok: false,
      part: null,
      problem: 'Nothing in this request was done: refuse it instead, giving the grounds',
    }
  }
  if (!done) return { ok: true, outcome: 'no_data_held' }
  return { ok: true, outcome: kept ? 'partly_fulfilled' : 'fulfilled' }
}

/** The recorded grounds, for the request log: "erasure_research: survey_answers". */
export function keptSummary(parts: RequestPart[]): string | null {
  const kept = parts.flatMap((p) => (p.state.state === 'kept' ? [`${p.state.ground}: ${p.key}`] : []))
  return kept.length > 0 ? kept.join('; ') : null
}

/** Whether the answer says something was not done or cannot be reached (Art. 11(2), Art. 12(4)). */
export function needsChallengeRights(parts: RequestPart[]): boolean {
  // Art. 11(2) and every part kept back; an address erased meanwhile is neither.
  return parts.some((p) => p.state.state === 'kept' || p.state.state === 'not_identifiable')
}

export function listOf(labels: string[]): string {
  const lower = labels.map((l) => l.toLowerCase())
  if (lower.length <= 1) return lower.join('')
  return `${lower.slice(0, -1).join(', ')} and ${lower.at(-1) ?? ''}`
}

/** The paragraph the portal adds to an answer that kept anything back: what, on what ground, why. */
export function keptParagraph(parts: RequestPart[]): string | null {
  const kept = parts.flatMap((p) => (p.state.state === 'kept' ? [{ label: p.label, ...p.state }] : []))
  if (kept.length === 0) return null
  return `What we have not done, and why:\n${kept
    .map((k) => `- ${k.label}: ${partGrounds[k.ground]}. ${k.reasoning.trim()}`)
    .join('\n')}`
}

export const whenDone = (on: IsoDate | null): string => (on ? ` on ${formatLongDate(on)}` : '')

export const reasoningMaxLength = 5000

/**
 * What is wrong with a decision to keep one part back, on the form field that can put it right, or
 * null when it can be recorded: the part must be one the DPO may decide, the ground one the right
 * allows, and the reasons for this case given.
 */
export function partDecisionProblem(
  type: RequestType,
  parts: RequestPart[],
  input: { part: string; ground: string; reasoning: string },
): { field: 'part' | 'ground' | 'reasoning'; message: string } | null {
  if (type === 'objection') {
    // Continuing despite an objection is recorded with the decision on the objection itself.
    return { field: 'part', message: 'Record the decision on the objection with its own form' }
  }
  const part = parts.find((p) => p.key === input.part)
  if (!part) return { field: 'part', message: 'Select the part of the request' }
  if (!part.decidable) {
    return {
      field: 'part',
      message:
        part.state.state === 'done'
          ? `${part.label}: this has been done, so there is nothing to keep back`
          : `${part.label}: there is no ground to decide here`,
    }
  }
  if (!isPartGroundFor(type, input.ground)) return { field: 'ground', message: 'Select the ground' }
  const reasoning = input.reasoning.trim()
  if (reasoning === '') {
    return { field: 'reasoning', message: 'Enter why the ground applies in this case' }
  }
  if ([...reasoning].length > reasoningMaxLength) {
    return { field: 'reasoning', message: `The reasons must be ${reasoningMaxLength} characters or fewer` }
  }
  return null
}
