import { formatLongDate, type IsoDate } from './clock.js'
import type { DataCategory } from './data-map.js'
import type { RequestType } from './request-types.js'

/**
 * Work the rights rules put on a case, beside the tasks staff add themselves: correcting data
 * where the portal cannot reach it (Art. 16), stopping consent-based processing and deciding
 * whether to erase it too (Arts 7(3), 17(1)(b)), and telling each recipient of the data about a
 * correction, erasure or restriction (Art. 19). Each is a task on the case, ticked off with how it
 * was resolved; the request's parts and its letter are read from them.
 */

export const taskKinds = [
  'rectify',
  'stop_processing',
  'consider_erasure',
  'erase_category',
  'notify_recipient',
] as const

export type TaskKind = (typeof taskKinds)[number]

export function isTaskKind(value: unknown): value is TaskKind {
  return typeof value === 'string' && (taskKinds as readonly string[]).includes(value)
}

/** How a task of each kind can be ticked off, as staff choose it. A task staff added is just done. */
export const taskResolutions = {
  free: { done: 'Done' },
  rectify: { done: 'Corrected' },
  stop_processing: { done: 'Processing stopped' },
  consider_erasure: {
    erase: 'Erase it: consent was the only ground for it (Article 17(1)(b))',
    keep: 'Keep it: another legal ground applies, named in the note',
  },
  erase_category: { done: 'Deleted' },
  notify_recipient: {
    notified: 'Told them',
    not_disclosed: 'Not told: the data was never disclosed to them',
    impossible: 'Not told: it is impossible',
    disproportionate: 'Not told: it would involve disproportionate effort',
  },
} as const satisfies Record<TaskKind | 'free', Record<string, string>>

export type TaskResolution = {
  [K in keyof typeof taskResolutions]: keyof (typeof taskResolutions)[K]
}[keyof typeof taskResolutions]

/** A task as the rules read it. */
export interface WorkTask {
  id: string
  kind: TaskKind | null
  subject: string | null
  doneOn: IsoDate | null
  resolution: string | null
  note: string | null
}

export function resolutionsFor(kind: TaskKind | null): Record<string, string> {
  return taskResolutions[kind ?? 'free']
}

/** The note each resolution asks for, so that the record says how, or why not. */
function noteRequired(kind: TaskKind | null, resolution: string): string {
  if (kind === 'notify_recipient') {
    if (resolution === 'notified') return 'Enter how and when you told them'
    if (resolution === 'not_disclosed') return 'Enter how you know the data was never disclosed to them'
    if (resolution === 'impossible') return 'Enter why telling them is impossible'
    return 'Enter why telling them would involve disproportionate effort'
  }
  if (kind === 'consider_erasure') {
    return resolution === 'keep'
      ? 'Enter the legal ground that lets you keep the data without consent'
      : 'Enter why the data is to be erased'
  }
  return 'Enter what was done'
}

export const taskNoteMaxLength = 2000

/** What is wrong with ticking a task off this way, on the field that can put it right, or null. */
export function resolutionProblem(
  kind: TaskKind | null,
  input: { resolution: string; note: string },
): { field: 'resolution' | 'taskNote'; message: string } | null {
  const allowed = resolutionsFor(kind)
  // A task with one way to resolve it needs no choice.
  const resolution = Object.keys(allowed).length === 1 ? Object.keys(allowed)[0] : input.resolution
  if (!resolution || !Object.hasOwn(allowed, resolution)) {
    return { field: 'resolution', message: 'Select how the task was resolved' }
  }
  const note = input.note.trim()
  if (note === '') return { field: 'taskNote', message: noteRequired(kind, resolution) }
  if ([...note].length > taskNoteMaxLength) {
    return { field: 'taskNote', message: `The note must be ${taskNoteMaxLength} characters or fewer` }
  }
  return null
}

/** The resolution recorded for a task ticked off this way. */
export function resolutionOf(kind: TaskKind | null, chosen: string): string {
  const allowed = Object.keys(resolutionsFor(kind))
  return allowed.length === 1 ? (allowed[0] as string) : chosen
}

// ---------------------------------------------------------------------------------------------
// Art. 19: telling the recipients.

/** The study's recipients, one per line as an administrator lists them; numbering is dropped. */
export function recipientsOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/^\s*(?:\d+[.)]|[-*•])\s*/, '').trim())
    .filter((line) => line !== '')
}

/** The rights whose carrying out must be passed on to every recipient (Art. 19). */
export type PassedOnRight = 'rectification' | 'erasure' | 'restriction'

export function passesOn(type: RequestType): type is PassedOnRight {
  return type === 'rectification' || type === 'erasure' || type === 'restriction'
}

const passedOnWords: Record<PassedOnRight, string> = {
  rectification: 'the correction',
  erasure: 'the erasure',
  restriction: 'the restriction',
}

export function notificationTitle(right: PassedOnRight, recipient: string): string {
  return `Tell this recipient about ${passedOnWords[right]} (Article 19): ${recipient}`
}

/** The recipients still without a notification task on the case, in the study's order. */
export function recipientsToNotify(
  recipients: string[],
  tasks: Pick<WorkTask, 'kind' | 'subject'>[],
): string[] {
  const told = new Set(tasks.filter((t) => t.kind === 'notify_recipient').map((t) => t.subject))
  return [...new Set(recipients)].filter((r) => !told.has(r))
}

/**
 * What the letter says about the recipients: when the person asked whom we told, each recipient
 * and what became of telling them; otherwise that they may ask. Null when no right was passed on.
 */
export function recipientsParagraph(tasks: WorkTask[], asked: boolean): string | null {
  const notices = tasks.filter((t) => t.kind === 'notify_recipient' && t.subject)
  if (notices.length === 0) return null
  if (!asked) {
    return 'We have told those we shared your data with about this, where we could. If you would like to know who they are, reply to this letter and we will tell you (Article 19).'
  }
  const line = (t: WorkTask): string => {
    // A recipient listed as a sentence loses its full stop before the colon.
    const who = (t.subject ?? '').replace(/[.;,]\s*$/, '')
    switch (t.resolution) {
      case 'notified':
        return `- ${who}: we told them${t.doneOn ? ` on ${formatLongDate(t.doneOn)}` : ''}.`
      case 'not_disclosed':
        return `- ${who}: we did not need to tell them, because your data was never disclosed to them.`
      case 'impossible':
        return `- ${who}: we could not tell them, because it is impossible: ${t.note?.trim() ?? ''}`
      case 'disproportionate':
        return `- ${who}: we did not tell them, because it would involve disproportionate effort: ${t.note?.trim() ?? ''}`
      default:
        return `- ${who}: we have not told them yet.`
    }
  }
  return `You asked us who we told about this (Article 19). These are the recipients of your data:\n${notices.map(line).join('\n')}`
}

// ---------------------------------------------------------------------------------------------
// Art. 16: rectification of any data category.

/** What the DPO decided about one category the person says is wrong or incomplete. */
export const rectificationDecisions = {
  corrected: 'It is wrong: correct it',
  not_inaccurate: 'It is accurate: record why, and tell the person',
  supplemented: 'It is incomplete: add the person’s supplementary statement to the record',
} as const

export type RectificationDecision = keyof typeof rectificationDecisions

export function isRectificationDecision(value: unknown): value is RectificationDecision {
  return typeof value === 'string' && Object.hasOwn(rectificationDecisions, value)
}

/** Where a category is corrected when the portal cannot do it itself. */
export function correctionPlace(category: DataCategory): string {
  return category.linkedAfterExtraction ? 'where it is held' : 'on the survey platform'
}

export function rectifyTaskTitle(category: DataCategory): string {
  return `Correct their ${category.label.toLowerCase()} ${correctionPlace(category)}, as the request asks`
}

/** What is wrong with a rectification decision, on its field, or null when it can be recorded. */
export function rectificationDecisionProblem(input: {
  category: string
  decision: string
  reasoning: string
  /** The categories the request names that are still to be decided. */
  open: string[]
  /** The person gave a supplementary statement with the request. */
  hasStatement: boolean
}): { field: 'category' | 'decision' | 'reasoning'; message: string } | null {
  if (!input.open.includes(input.category)) {
    return { field: 'category', message: 'Select data the request names that is not yet decided' }
  }
  if (!isRectificationDecision(input.decision)) return { field: 'decision', message: 'Select the decision' }
  if (input.decision === 'supplemented' && !input.hasStatement) {
    return {
      field: 'decision',
      message: 'The person gave no supplementary statement: ask them for one, or decide otherwise',
    }
  }
  if (input.decision === 'not_inaccurate' && input.reasoning.trim() === '') {
    return { field: 'reasoning', message: 'Enter why the data is accurate; the answer quotes this' }
  }
  if ([...input.reasoning.trim()].length > 5000) {
    return { field: 'reasoning', message: 'The reasons must be 5000 characters or fewer' }
  }
  return null
}

// ---------------------------------------------------------------------------------------------
// Arts 7(3) and 17(1)(b): withdrawal of consent.

/** The consent-based categories that can still be linked to the person, and so must stop. */
export function consentCategoriesToStop(dataMap: DataCategory[], answersLinked: boolean): DataCategory[] {
  return dataMap.filter((c) => c.lawfulBasis === 'consent' && (c.linkedAfterExtraction || answersLinked))
}

export function stopProcessingTitle(category: DataCategory): string {
  return `Stop processing their ${category.label.toLowerCase()} ${correctionPlace(category)}: consent withdrawn`
}

export const considerErasureTitle =
  'Decide whether to erase the consent-based data as well, now that consent is withdrawn (Article 17(1)(b))'

export function eraseCategoryTitle(category: DataCategory): string {
  return `Delete their ${category.label.toLowerCase()} ${correctionPlace(category)} (Article 17(1)(b))`
}
