import type { RequestStatus } from './request-status.js'
import type { RequestType } from './request-types.js'

/** Where on the case page the step is taken: the id of its section. */
export type CaseSection = 'identity' | 'actions' | 'answer' | 'searches' | 'parts' | 'tasks' | 'messages'

/** The one thing to do next on a case, in a sentence, and the section of the page to do it in. */
export interface NextStep {
  text: string
  section: CaseSection | null
}

/** What the case page knows of a case's state, as plain facts. */
export interface NextStepFacts {
  type: RequestType
  status: RequestStatus
  /** Logged by staff (post, phone, email to the DPO, in person) rather than made on the portal. */
  loggedByStaff: boolean
  /** For access and portability: the answer's own steps; null for the other rights. */
  answer: {
    prepared: boolean
    /** What changed since it was prepared, so it must be prepared again. */
    changedSincePrepared: 'attached' | 'removed' | 'searched' | null
    /** The survey answers are still linked and no copy from the platform is attached yet. */
    exportNeeded: boolean
    /** The record was erased: the answer says so and holds nothing else. */
    recordErased: boolean
  } | null
  /** For access: how many searches are logged; null for the other rights. */
  searchesLogged: number | null
  openTasks: number
  /** Why the parts of the request do not yet add up to an outcome, or null when they do. */
  partsProblem: string | null
}

const changedWords = {
  attached: 'A file was attached after you prepared the answer: prepare it again to include it.',
  removed: 'A file was removed after you prepared the answer: prepare it again without it.',
  searched: 'A search was logged after you prepared the answer: prepare it again to include it.',
} as const

const closedWords: Partial<Record<RequestStatus, string>> = {
  completed: 'Nothing to do: the request is completed and the answer was sent.',
  refused: 'Nothing to do: the request was refused and the letter was sent.',
  withdrawn: 'Nothing to do: the request was withdrawn.',
  duplicate: 'Nothing to do: the request was closed as a duplicate.',
  unverified: 'Nothing to do: the request was never confirmed and its personal data was removed.',
}

/**
 * The next thing to do on a case, from its state: confirm who the person is, wait for what was
 * asked of them, log the searches, attach the platform's copy, prepare the answer (again, if
 * something changed since), tick off the tasks, do what the parts still need, then complete.
 */
export function nextStepOf(facts: NextStepFacts): NextStep {
  switch (facts.status) {
    case 'unconfirmed':
      return facts.loggedByStaff
        ? {
            text: 'Record how you established the person’s identity, or wait for them to confirm from the link we emailed.',
            section: 'identity',
          }
        : { text: 'Wait for the person to confirm the request from the link we emailed them.', section: null }
    case 'awaiting_clarification':
      return {
        text: 'Wait for the person to answer your question: the clock is paused until they reply.',
        section: 'messages',
      }
    case 'awaiting_identity':
      return {
        text: 'Record the proof of identity when it arrives: the clock starts again from that day.',
        section: 'actions',
      }
    case 'awaiting_fee':
      return {
        text: 'Record the fee when it is paid: the clock starts again from that day.',
        section: 'actions',
      }
    case 'received':
      return openStep(facts)
    default:
      return { text: closedWords[facts.status] ?? 'Nothing to do: the request is closed.', section: null }
  }
}

function openStep(facts: NextStepFacts): NextStep {
  const answer = facts.answer
  if (answer && !answer.recordErased) {
    if (facts.searchesLogged === 0) {
      return {
        text: 'Log the search of each place the person’s data may be held.',
        section: 'searches',
      }
    }
    if (answer.exportNeeded) {
      return {
        text: 'Attach the person’s answers exported from the survey platform.',
        section: 'answer',
      }
    }
  }
  if (answer) {
    if (!answer.prepared) return { text: 'Prepare the answer.', section: 'answer' }
    if (answer.changedSincePrepared)
      return { text: changedWords[answer.changedSincePrepared], section: 'answer' }
  }
  if (facts.openTasks > 0) {
    return {
      text: `Tick off the ${facts.openTasks === 1 ? 'open task' : `${facts.openTasks} open tasks`}.`,
      section: 'tasks',
    }
  }
  if (facts.partsProblem) return { text: `${sentence(facts.partsProblem)}`, section: 'parts' }
  return { text: 'Send the answer to the person and complete the request.', section: 'actions' }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`
}
