import { isComplaintSubject, type ComplaintSubject } from '../domain/complaint.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import type { FieldError } from '../errors.js'
import { readText } from '../web/form-text.js'

export const complaintLimits = {
  email: 254,
  name: 200,
  whatHappened: 5000,
  desiredOutcome: 2000,
  reply: 5000,
}

/** The value of the study question meaning "not about one study" or "I am not sure". */
export const noStudy = 'not-sure'

/** The complaint form's fields in page order; the route shows these again when something is wrong. */
export const complaintFormFields = ['subject', 'whatHappened', 'desiredOutcome', 'study', 'email', 'name']

export interface ComplaintForm {
  subject: ComplaintSubject
  whatHappened: string
  desiredOutcome: string | null
  /** The study's slug when the form asked, null for "not sure"; undefined when it did not ask. */
  study: string | null | undefined
  /** Already normalised. */
  email: string
  name: string | null
}

/**
 * Reads the complaint form. `studySlugs` lists the studies to choose from when several take
 * requests; with one or none the form does not ask.
 */
export function parseComplaintForm(
  body: Record<string, unknown>,
  options: { studySlugs: string[] | null },
): { ok: true; form: ComplaintForm } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = []

  const rawSubject = body.subject
  const subject = isComplaintSubject(rawSubject) ? rawSubject : undefined
  if (!subject) {
    errors.push({ field: 'subject', href: '#subject', text: 'Select what your complaint is about' })
  }

  const whatHappened = readText(
    body,
    {
      field: 'whatHappened',
      name: 'what happened',
      required: 'Enter what happened',
      max: complaintLimits.whatHappened,
      multiline: true,
    },
    errors,
  )
  const desiredOutcome = readText(
    body,
    {
      field: 'desiredOutcome',
      name: 'what you would like us to do',
      max: complaintLimits.desiredOutcome,
      multiline: true,
    },
    errors,
  )

  let study: string | null | undefined
  if (options.studySlugs) {
    const raw = body.study
    if (typeof raw === 'string' && (raw === noStudy || options.studySlugs.includes(raw))) {
      study = raw === noStudy ? null : raw
    } else {
      errors.push({ field: 'study', href: '#study', text: 'Select the study your complaint is about' })
    }
  }

  const rawEmail = readText(
    body,
    {
      field: 'email',
      name: 'your email address',
      required: 'Enter your email address',
      max: complaintLimits.email,
    },
    errors,
  )
  const email = rawEmail === undefined ? undefined : normaliseEmail(rawEmail)
  if (email !== undefined && !errors.some((e) => e.field === 'email') && !isValidEmail(email)) {
    errors.push({
      field: 'email',
      href: '#email',
      text: 'Enter an email address in the correct format, like name@example.com',
    })
  }
  const name = readText(body, { field: 'name', name: 'your name', max: complaintLimits.name }, errors)

  if (errors.length > 0 || !subject || !whatHappened || !email) return { ok: false, errors }
  return {
    ok: true,
    form: { subject, whatHappened, desiredOutcome: desiredOutcome ?? null, study, email, name: name ?? null },
  }
}

/** Reads the person's reply on the status page. */
export function parseComplaintReply(
  body: Record<string, unknown>,
): { ok: true; reply: string } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = []
  const reply = readText(
    body,
    {
      field: 'reply',
      name: 'your reply',
      required: 'Enter your reply',
      max: complaintLimits.reply,
      multiline: true,
    },
    errors,
  )
  if (errors.length > 0 || !reply) return { ok: false, errors }
  return { ok: true, reply }
}
