import type { ComplaintSubject } from '../../src/domain/complaint.js'
import type { StaffUser } from '../../src/domain/staff-user.js'
import type { LoggedComplaint } from '../../src/complaints/handling.js'
import type { TestContext } from './context.js'
import { pageForm, postPageAction } from './page-forms.js'

type Agent = ReturnType<TestContext['agent']>

/**
 * Makes a complaint through the online form's service and confirms it with the emailed link, at
 * the context's time: it opens with its reference, its clock, and the automatic acknowledgement.
 */
export async function fileConfirmedComplaint(
  ctx: TestContext,
  input: {
    email?: string
    name?: string | null
    subject?: ComplaintSubject
    whatHappened?: string
    desiredOutcome?: string | null
    studyId?: string | null
    requestId?: string | null
  } = {},
): Promise<{ complaintId: string; statusToken: string; reference: string }> {
  const { complaintId } = await ctx.services.complaints.submit({
    subject: input.subject ?? 'request_handling',
    whatHappened: input.whatHappened ?? 'My request was answered late and left out the voucher emails.',
    desiredOutcome:
      input.desiredOutcome === undefined ? 'A full answer and an apology.' : input.desiredOutcome,
    email: input.email ?? 'pat@example.org',
    name: input.name === undefined ? 'Pat Doe' : input.name,
    studyId: input.studyId ?? null,
    requestId: input.requestId ?? null,
  })
  const mail = await ctx.services
    .db<{ complaint_id: string; kind: string; text_body: string }>('outbox')
    .where({ complaint_id: complaintId, kind: 'complaint-confirm' })
    .first()
  const token = /\/complaint\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail?.text_body ?? '')?.[1]
  if (!token) throw new Error('No complaint confirmation link')
  const { statusToken, reference } = await ctx.services.complaints.confirm(token)
  return { complaintId, statusToken, reference }
}

/** A complaint received by email, post or phone, logged by staff through the service. */
export async function logComplaint(
  ctx: TestContext,
  actor: StaffUser,
  input: Partial<LoggedComplaint> = {},
): Promise<{ complaintId: string; reference: string }> {
  return ctx.services.complaintHandling.log(actor, {
    channel: 'post',
    receivedOn: '2026-03-02',
    subject: 'data_use',
    whatHappened: 'I was sent a survey reminder after I asked to leave the study.',
    desiredOutcome: 'Stop contacting me.',
    email: null,
    name: 'Sam Post',
    studyId: null,
    requestId: null,
    ...input,
  })
}

/** The complaint page, its CSRF token and the version its forms carry. */
export const complaintForm = (agent: Agent, complaintId: string) =>
  pageForm(agent, `/staff/complaints/${complaintId}`)

/** Submits one of the complaint page's forms as a browser would, and expects the status. */
export const postComplaintAction = (
  agent: Agent,
  complaintId: string,
  action: string,
  fields: Record<string, string>,
  expected: number,
) => postPageAction(agent, `/staff/complaints/${complaintId}`, action, fields, expected)
