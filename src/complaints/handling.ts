import type { Knex } from 'knex'
import type { StaffRepo } from '../accounts/repo.js'
import { eventsFor, recordEvent, type Actor, type StoredEvent } from '../audit/events.js'
import type { EventKind } from '../domain/request-events.js'
import { londonDate, type IsoDate } from '../domain/clock.js'
import {
  complaintClock,
  type Complaint,
  type ComplaintChannel,
  type ComplaintOutcome,
  type ComplaintStatus,
  type ComplaintSubject,
} from '../domain/complaint.js'
import {
  acknowledgedOnTime,
  complaintDrafts,
  complaintOffers,
  daysToOutcome,
  letterProblem,
  outcomeLetter,
  outcomeProblems,
  reopenProblem,
  type ComplaintOffers,
  type FieldProblem,
} from '../domain/complaint-handling.js'
import { emailHmac } from '../domain/email-address.js'
import { fillComplaintPlaceholders, wrapLetter, type ComplaintLetterContext } from '../domain/letters.js'
import type { StaffUser } from '../domain/staff-user.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import type { RequestsRepo } from '../requests/repo.js'
import type { StudiesRepo } from '../studies/repo.js'
import type { TemplatesService } from '../templates/service.js'
import type { ComplaintChanges, ComplaintMessage, ComplaintNote, ComplaintsRepo } from './repo.js'
import type { ComplaintService } from './service.js'

/** The complaint changed after the form was opened: nothing is saved, and the page says so. */
export class StaleComplaintError extends ConflictError {
  constructor() {
    super('This complaint changed since you opened it')
    this.name = 'StaleComplaintError'
  }
}

export interface ComplaintHandlingDeps {
  db: Knex
  secret: string
  complaints: ComplaintsRepo
  studies: StudiesRepo
  requests: RequestsRepo
  staff: StaffRepo
  templates: TemplatesService
  /** Sends a letter to the person: kept as a message, and emailed with a status link if there is an address. */
  sendToPerson: ComplaintService['sendToPerson']
  organisation: { name: string; dpoEmail: string }
  now: () => Date
  /** Days from receipt to the organisation's own target for the outcome. */
  responseTargetDays: number
}

/** How a letter left: emailed with a status link, or kept on the complaint to print and post. */
export interface LetterSent {
  emailed: boolean
}

/** A complaint received by email, post or phone, as staff log it. */
export interface LoggedComplaint {
  channel: Exclude<ComplaintChannel, 'portal'>
  receivedOn: IsoDate
  subject: ComplaintSubject
  whatHappened: string
  desiredOutcome: string | null
  /** Normalised; null when the person gave none (letters are then kept for posting). */
  email: string | null
  name: string | null
  studyId: string | null
  requestId: string | null
}

/** The drafts of the letters the complaint page offers, placeholders filled. */
export interface ComplaintDrafts {
  acknowledgement: string
  update: string
  message: string
  outcome: string
}

const staffActor = (user: StaffUser): Actor => ({ type: 'staff', id: user.id })

const invalid = (problems: FieldProblem[]) =>
  new ValidationError(problems.map((p) => ({ field: p.field, href: `#${p.field}`, text: p.message })))

/** What each action's work hands back: the changes to save and the event that records them. */
interface ChangeOutcome {
  changes: ComplaintChanges
  event: { kind: EventKind; data: Record<string, unknown> }
}

/**
 * Staff handling of complaints: every action checks the complaint is unchanged since its page was
 * opened, changes it, sends any letter and records its event in one transaction.
 */
export function complaintHandling(deps: ComplaintHandlingDeps) {
  const { db, complaints } = deps

  async function load(complaintId: string, conn: Knex = db): Promise<Complaint> {
    const complaint = await complaints.findById(complaintId, conn)
    if (!complaint) throw new NotFoundError('No such complaint')
    return complaint
  }

  /** The values a complaint's letters fill in: its study's controller and DPO, or the organisation's. */
  async function letterContext(complaint: Complaint, conn: Knex = db): Promise<ComplaintLetterContext> {
    const study = complaint.studyId ? await deps.studies.findById(complaint.studyId, conn) : undefined
    return {
      reference: complaint.reference ?? '',
      subject: complaint.subject,
      name: complaint.requesterName,
      receivedOn: complaint.receivedOn ?? londonDate(new Date(complaint.createdAt)),
      responseTargetOn: complaint.responseTargetOn,
      controllerName: study?.controllerName ?? deps.organisation.name,
      dpoEmail: study?.dpoEmail ?? deps.organisation.dpoEmail,
    }
  }

  /**
   * One staff action on the complaint opened at `version`, if its state offers it: the work may
   * send letters within the transaction, and its changes and event are saved with them. Returns
   * the complaint as the action found it.
   */
  async function change(
    actor: StaffUser,
    complaintId: string,
    version: number,
    allowed: keyof ComplaintOffers,
    work: (scope: { trx: Knex; complaint: Complaint; at: Date; today: IsoDate }) => Promise<ChangeOutcome>,
  ): Promise<Complaint> {
    const at = deps.now()
    return db.transaction(async (trx) => {
      const complaint = await load(complaintId, trx)
      if (complaint.version !== version) throw new StaleComplaintError()
      if (!complaintOffers(complaint)[allowed])
        throw new ConflictError(`This complaint is ${complaint.status}`)
      const outcome = await work({ trx, complaint, at, today: londonDate(at) })
      const statuses: readonly ComplaintStatus[] = [complaint.status]
      if (!(await complaints.update(trx, complaint.id, version, outcome.changes, at, statuses)))
        throw new StaleComplaintError()
      await recordEvent(
        trx,
        {
          actor: staffActor(actor),
          subject: { type: 'complaint', id: complaint.id },
          kind: outcome.event.kind,
          data: outcome.event.data,
        },
        at,
      )
      return complaint
    })
  }

  /** Whether a letter went by email, or is kept on the complaint to be printed and posted. */
  const sent = (complaint: Complaint): LetterSent => ({ emailed: complaint.email !== null })

  /** A letter from staff, placeholders filled, with the greeting and sign-off every letter carries. */
  async function staffLetter(
    trx: Knex,
    complaint: Complaint,
    letter: string,
    messages: { empty: string; reminder: string },
  ): Promise<string> {
    const problem = letterProblem(letter, 'letter', messages)
    if (problem) throw invalid([problem])
    const context = await letterContext(complaint, trx)
    return wrapLetter(fillComplaintPlaceholders(letter.replace(/\r\n/g, '\n'), context), context)
  }

  const reference = (complaint: Complaint) => complaint.reference ?? ''

  /** The letters staff write to the person between the acknowledgement and the outcome. */
  const letterWording = {
    update: {
      subject: 'An update on your complaint',
      empty: 'Enter the update to send',
      reminder: 'with how the complaint is progressing',
      event: 'complaint.update_sent',
    },
    message: {
      subject: 'A message about your complaint',
      empty: 'Enter the message to send',
      reminder: 'with your message',
      event: 'complaint.message_sent',
    },
  } as const

  async function sendLetter(
    actor: StaffUser,
    complaintId: string,
    version: number,
    kind: keyof typeof letterWording,
    letter: string,
  ): Promise<LetterSent> {
    const wording = letterWording[kind]
    return sent(
      await change(actor, complaintId, version, kind, async ({ trx, complaint, at }) => {
        const body = await staffLetter(trx, complaint, letter, wording)
        const { messageId } = await deps.sendToPerson(
          trx,
          complaint,
          { kind, subject: `${wording.subject} ${reference(complaint)}`, body, authorId: actor.id },
          at,
        )
        return { changes: {}, event: { kind: wording.event, data: { messageId } } }
      }),
    )
  }

  return {
    load,
    letterContext,
    messages: (complaintId: string): Promise<ComplaintMessage[]> => complaints.messagesOf(complaintId),
    notes: (complaintId: string): Promise<ComplaintNote[]> => complaints.notesOf(complaintId),
    /** The complaint's events, oldest first, for its timeline. */
    events: (complaintId: string): Promise<StoredEvent[]> =>
      eventsFor(db, { type: 'complaint', id: complaintId }),
    /** The complaints made about one request, newest first, with their references. */
    aboutRequest: (requestId: string): Promise<Complaint[]> => complaints.findByRequest(requestId),

    async drafts(complaint: Complaint): Promise<ComplaintDrafts> {
      const context = await letterContext(complaint)
      const [acknowledgement, outcome] = await Promise.all([
        deps.templates.get('complaint_acknowledgement'),
        deps.templates.get('complaint_outcome'),
      ])
      const fill = (template: string) => fillComplaintPlaceholders(template, context)
      return {
        acknowledgement: fill(acknowledgement.body),
        update: fill(complaintDrafts.update),
        message: fill(complaintDrafts.message),
        outcome: fill(outcome.body),
      }
    },

    async assign(actor: StaffUser, complaintId: string, version: number, assigneeId: string | null) {
      await change(actor, complaintId, version, 'assign', async ({ trx }) => {
        if (assigneeId && !(await deps.staff.canHandleRequests(assigneeId, trx)))
          throw invalid([{ field: 'assignee', message: 'Select someone who can handle complaints' }])
        return { changes: { assigneeId }, event: { kind: 'complaint.assigned', data: { assigneeId } } }
      })
    },

    /** Sends the acknowledgement (s.164A(3)) and records the day it was sent. */
    async acknowledge(
      actor: StaffUser,
      complaintId: string,
      version: number,
      letter: string,
    ): Promise<LetterSent> {
      return sent(
        await change(actor, complaintId, version, 'acknowledge', async ({ trx, complaint, at, today }) => {
          const body = await staffLetter(trx, complaint, letter, {
            empty: 'Enter the acknowledgement to send',
            reminder: 'with what the person needs to know',
          })
          const { messageId } = await deps.sendToPerson(
            trx,
            complaint,
            {
              kind: 'acknowledgement',
              subject: `We have received your complaint ${reference(complaint)}`,
              body,
              authorId: actor.id,
            },
            at,
          )
          return {
            changes: { acknowledgedOn: today },
            event: {
              kind: 'complaint.acknowledged',
              data: {
                acknowledgedOn: today,
                acknowledgementDueOn: complaint.acknowledgementDueOn,
                onTime: acknowledgedOnTime({ ...complaint, acknowledgedOn: today }, today),
                automatic: false,
                messageId,
              },
            },
          }
        }),
      )
    },

    /** Keeps the person informed of progress (s.164A(4)). */
    sendUpdate: (actor: StaffUser, complaintId: string, version: number, letter: string) =>
      sendLetter(actor, complaintId, version, 'update', letter),

    message: (actor: StaffUser, complaintId: string, version: number, letter: string) =>
      sendLetter(actor, complaintId, version, 'message', letter),

    /** An internal note: never shown to the person; the trail keeps its id, not its text. */
    async addNote(actor: StaffUser, complaintId: string, note: string) {
      const text = note.replace(/\r\n/g, '\n').trim()
      if (text === '') throw invalid([{ field: 'note', message: 'Enter the note' }])
      const at = deps.now()
      await db.transaction(async (trx) => {
        const complaint = await load(complaintId, trx)
        if (!complaintOffers(complaint).note) throw new ConflictError(`This complaint is ${complaint.status}`)
        const noteId = await complaints.insertNote(trx, { complaintId, authorId: actor.id, body: text, at })
        await recordEvent(
          trx,
          {
            actor: staffActor(actor),
            subject: { type: 'complaint', id: complaintId },
            kind: 'complaint.note_added',
            data: { noteId },
          },
          at,
        )
      })
    },

    /**
     * Closes the complaint with its outcome, told to the person in a letter that ends with the ICO
     * paragraph. An outcome sent before any acknowledgement acknowledges the complaint too.
     */
    async close(
      actor: StaffUser,
      complaintId: string,
      version: number,
      input: { outcome: string; changes: string; letter: string },
    ): Promise<LetterSent> {
      return sent(
        await change(actor, complaintId, version, 'close', async ({ trx, complaint, at, today }) => {
          const problems = outcomeProblems(input)
          if (problems.length > 0) throw invalid(problems)
          const outcome = input.outcome as ComplaintOutcome
          const changes = outcome === 'not_upheld' ? null : input.changes.replace(/\r\n/g, '\n').trim()
          const context = await letterContext(complaint, trx)
          const body = outcomeLetter({
            letter: fillComplaintPlaceholders(input.letter.replace(/\r\n/g, '\n'), context),
            outcome,
            changes,
            name: context.name,
            controllerName: context.controllerName,
            dpoEmail: context.dpoEmail,
          })
          const { messageId } = await deps.sendToPerson(
            trx,
            complaint,
            {
              kind: 'outcome',
              subject: `The outcome of your complaint ${reference(complaint)}`,
              body,
              authorId: actor.id,
            },
            at,
          )
          const acknowledgedOn = complaint.acknowledgedOn ?? today
          return {
            changes: {
              status: 'closed',
              outcome,
              outcomeChanges: changes,
              closedOn: today,
              acknowledgedOn,
            },
            event: {
              kind: 'complaint.closed',
              data: {
                outcome,
                closedOn: today,
                daysToOutcome: daysToOutcome({ receivedOn: complaint.receivedOn, closedOn: today }),
                messageId,
                ...(complaint.acknowledgedOn ? {} : { acknowledgedByOutcome: true }),
              },
            },
          }
        }),
      )
    },

    /** Reopens a closed complaint; the reason is kept as an internal note, not in the trail. */
    async reopen(actor: StaffUser, complaintId: string, version: number, reason: string) {
      await change(actor, complaintId, version, 'reopen', async ({ trx, complaint, at }) => {
        const problem = reopenProblem(reason)
        if (problem) throw invalid([problem])
        const noteId = await complaints.insertNote(trx, {
          complaintId,
          authorId: actor.id,
          body: `Reopened: ${reason.replace(/\r\n/g, '\n').trim()}`,
          at,
        })
        return {
          changes: { status: 'open', outcome: null, outcomeChanges: null, closedOn: null },
          event: {
            kind: 'complaint.reopened',
            data: { previousOutcome: complaint.outcome, previousClosedOn: complaint.closedOn, noteId },
          },
        }
      })
    },

    /**
     * A complaint received by email, post or phone: open at once with its reference, its clock
     * counted from the date received. Without an address its letters are kept for posting.
     */
    async log(actor: StaffUser, input: LoggedComplaint): Promise<{ complaintId: string; reference: string }> {
      const at = deps.now()
      const clock = complaintClock(input.receivedOn, deps.responseTargetDays)
      return db.transaction(async (trx) => {
        const hmac = input.email ? emailHmac(deps.secret, input.email) : null
        const complaintId = await complaints.insert(trx, {
          studyId: input.studyId,
          requestId: input.requestId,
          subject: input.subject,
          whatHappened: input.whatHappened,
          desiredOutcome: input.desiredOutcome,
          email: input.email,
          emailHmac: hmac,
          requesterName: input.name,
          status: 'open',
          channel: input.channel,
          at,
        })
        const ref = await complaints.nextReference(trx, Number(londonDate(at).slice(0, 4)))
        await complaints.update(
          trx,
          complaintId,
          1,
          {
            reference: ref,
            receivedOn: clock.receivedOn,
            acknowledgementDueOn: clock.acknowledgementDueOn,
            responseTargetOn: clock.responseTargetOn,
          },
          at,
        )
        await recordEvent(
          trx,
          {
            actor: staffActor(actor),
            subject: { type: 'complaint', id: complaintId },
            kind: 'complaint.logged',
            data: {
              reference: ref,
              channel: input.channel,
              subject: input.subject,
              studyId: input.studyId,
              requestId: input.requestId,
              receivedOn: clock.receivedOn,
              acknowledgementDueOn: clock.acknowledgementDueOn,
              responseTargetOn: clock.responseTargetOn,
              emailHmac: hmac,
            },
          },
          at,
        )
        return { complaintId, reference: ref }
      })
    },
  }
}

export type ComplaintHandling = ReturnType<typeof complaintHandling>
