import { consentChoices, objectionChoices, type Choice, type DataCategory } from '../domain/data-map.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import { isRestrictionGround, type RequestDetails, type RequestType } from '../domain/request-types.js'
import type { FieldError } from '../errors.js'
import { readText } from '../web/form-text.js'
import { normalisePostcode, type PostalAddress } from '../domain/postal-address.js'

export const limits = { email: 254, name: 200, short: 1000, long: 5000 }

export interface RequestForm {
  details: RequestDetails
  email: string
  name: string | null
}

export interface FormChoices {
  objection: Choice[]
  consent: Choice[]
  /** The study's data categories, for a rectification to name. */
  categories: Choice[]
}

/** The choices the request forms offer, from the study's data map. */
export function formChoicesOf(dataMap: DataCategory[]): FormChoices {
  return {
    objection: objectionChoices(dataMap),
    consent: consentChoices(dataMap),
    categories: dataMap.map((c) => ({ value: c.key, label: c.label })),
  }
}

/** The values of a checkbox field as submitted: none, one or several strings; anything else is dropped. */
export function checkedValues(body: Record<string, unknown>, field: string): string[] {
  const value = body[field]
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value]
  return all.filter((v): v is string => typeof v === 'string')
}

/** Whether the person asked whom we told about a correction, erasure or restriction (Art. 19). */
function readAskRecipients(body: Record<string, unknown>): true | undefined {
  return checkedValues(body, 'askRecipients').includes('yes') ? true : undefined
}

/** Fields each request form shows, in order; the route re-renders these on error. */
export const formFields: Record<RequestType, string[]> = {
  access: ['description', 'email', 'name'],
  portability: ['description', 'email', 'name'],
  rectification: ['categories', 'inaccurate', 'correction', 'statement', 'askRecipients', 'email', 'name'],
  erasure: ['reason', 'askRecipients', 'email', 'name'],
  restriction: ['ground', 'description', 'askRecipients', 'email', 'name'],
  objection: ['processing', 'description', 'email', 'name'],
  withdraw_consent: ['consent', 'description', 'email', 'name'],
}

function readChoice(
  body: Record<string, unknown>,
  field: string,
  allowed: (value: string) => boolean,
  message: string,
  errors: FieldError[],
): string | undefined {
  const value = body[field]
  if (typeof value === 'string' && allowed(value)) return value
  errors.push({ field, href: `#${field}`, text: message })
  return undefined
}

export function parseRequestForm(
  type: RequestType,
  body: Record<string, unknown>,
  choices: FormChoices,
): { ok: true; form: RequestForm } | { ok: false; errors: FieldError[] } {
  const parsed = parseRequestFields(type, body, choices, { voice: 'participant', emailOptional: false })
  if (!parsed.ok) return parsed
  const { email } = parsed.form
  return email ? { ok: true, form: { ...parsed.form, email } } : { ok: false, errors: [] }
}

/** Who a form speaks to: the person making the request, or staff logging it about the requester. */
export type FormVoice = 'participant' | 'staff'

/** A request as staff log it: the email address may be missing when a postal address replaces it. */
export interface LoggedRequestForm {
  details: RequestDetails
  email: string | null
  name: string | null
}

/**
 * The request fields of the staff log form, its messages about the requester ("Enter their email
 * address"). The email address is optional when the request did not arrive by email.
 */
export function parseLoggedRequestForm(
  type: RequestType,
  body: Record<string, unknown>,
  choices: FormChoices,
  options: { emailOptional: boolean },
): { ok: true; form: LoggedRequestForm } | { ok: false; errors: FieldError[] } {
  return parseRequestFields(type, body, choices, { voice: 'staff', ...options })
}

function parseRequestFields(
  type: RequestType,
  body: Record<string, unknown>,
  choices: FormChoices,
  options: { voice: FormVoice; emailOptional: boolean },
): { ok: true; form: LoggedRequestForm } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = []
  const say = (participant: string, staff: string) => (options.voice === 'staff' ? staff : participant)
  const optional = (field: string, name: string) =>
    readText(body, { field, name, max: limits.long, multiline: true }, errors)

  let details: RequestDetails | undefined
  switch (type) {
    case 'access':
    case 'portability':
      details = {
        type,
        description: optional(
          'description',
          say('the details of your request', 'the details of the request'),
        ),
      }
      break
    case 'erasure':
      details = {
        type,
        reason: optional('reason', say('your reason', 'their reason')),
        askRecipients: readAskRecipients(body),
      }
      break
    case 'rectification': {
      const named = checkedValues(body, 'categories')
      const known = new Set(choices.categories.map((c) => c.value))
      const categories = choices.categories.filter((c) => named.includes(c.value)).map((c) => c.value)
      if (choices.categories.length > 0 && (categories.length === 0 || named.some((n) => !known.has(n)))) {
        errors.push({
          field: 'categories',
          href: '#categories',
          text:
            categories.length === 0
              ? 'Select the data that is wrong or incomplete'
              : 'Select only data from the list',
        })
      }
      const inaccurate = readText(
        body,
        {
          field: 'inaccurate',
          name: 'what is wrong',
          required: 'Enter what is wrong or incomplete',
          max: limits.short,
          multiline: true,
        },
        errors,
      )
      const correction = readText(
        body,
        {
          field: 'correction',
          name: 'what it should say',
          required: 'Enter what it should say instead',
          max: limits.short,
          multiline: true,
        },
        errors,
      )
      const statement = readText(
        body,
        { field: 'statement', name: 'the supplementary statement', max: limits.long, multiline: true },
        errors,
      )
      details = {
        type,
        inaccurate: inaccurate ?? '',
        correction: correction ?? '',
        ...(categories.length > 0 ? { categories } : {}),
        statement,
        askRecipients: readAskRecipients(body),
      }
      break
    }
    case 'restriction': {
      const ground = readChoice(
        body,
        'ground',
        isRestrictionGround,
        say('Select why you want us to limit how we use your data', 'Select why they want it restricted'),
        errors,
      )
      details = {
        type,
        ground: isRestrictionGround(ground) ? ground : 'accuracy',
        description: optional('description', 'more detail'),
        askRecipients: readAskRecipients(body),
      }
      break
    }
    case 'objection': {
      const processing = readChoice(
        body,
        'processing',
        (v) => choices.objection.some((c) => c.value === v),
        'Select what you object to',
        errors,
      )
      details = {
        type,
        processing: processing ?? '',
        description: optional('description', say('your reasons', 'their reasons')),
      }
      break
    }
    case 'withdraw_consent': {
      const consent = readChoice(
        body,
        'consent',
        (v) => choices.consent.some((c) => c.value === v),
        say('Select the consent you want to withdraw', 'Select the consent they withdraw'),
        errors,
      )
      details = { type, consent: consent ?? '', description: optional('description', 'more detail') }
      break
    }
  }

  const rawEmail = readText(
    body,
    {
      field: 'email',
      name: say('your email address', 'their email address'),
      ...(options.emailOptional
        ? {}
        : { required: say('Enter your email address', 'Enter their email address') }),
      max: limits.email,
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
  const name = readText(
    body,
    { field: 'name', name: say('your name', 'their name'), max: limits.name },
    errors,
  )

  if (errors.length > 0 || (!email && !options.emailOptional) || !details) return { ok: false, errors }
  return { ok: true, form: { details: withoutEmpty(details), email: email ?? null, name: name ?? null } }
}

/** The fields of the postal address, in the order the GOV.UK address pattern shows them. */
export const postalAddressFields = ['addressLine1', 'addressLine2', 'town', 'postcode'] as const

/**
 * A UK postal address, or null when none was typed. Once any line is typed, the first line, the
 * town and a real postcode are needed.
 */
export function parsePostalAddress(
  body: Record<string, unknown>,
  errors: FieldError[],
): PostalAddress | null | undefined {
  const typed = postalAddressFields.some((f) => typeof body[f] === 'string' && String(body[f]).trim() !== '')
  const before = errors.length
  const line = (field: string, name: string, required?: string) =>
    readText(body, { field, name, max: 200, ...(typed && required ? { required } : {}) }, errors)
  const line1 = line('addressLine1', 'the first line of the address', 'Enter the first line of their address')
  const line2 = line('addressLine2', 'the second line of the address')
  const town = line('town', 'the town or city', 'Enter their town or city')
  const rawPostcode = readText(
    body,
    {
      field: 'postcode',
      name: 'the postcode',
      max: 16,
      ...(typed ? { required: 'Enter their postcode' } : {}),
    },
    errors,
  )
  const postcode = rawPostcode === undefined ? undefined : normalisePostcode(rawPostcode)
  if (rawPostcode !== undefined && !errors.some((e) => e.field === 'postcode') && !postcode) {
    errors.push({ field: 'postcode', href: '#postcode', text: 'Enter a real postcode, like SW1A 1AA' })
  }
  if (!typed) return null
  if (errors.length > before || !line1 || !town || !postcode) return undefined
  return { line1, ...(line2 ? { line2 } : {}), town, postcode }
}

/** Errors in the order their fields appear on the page, so the error summary reads down the form. */
export function inFieldOrder(errors: FieldError[], fields: readonly string[]): FieldError[] {
  const place = (e: FieldError) => {
    const at = fields.indexOf(e.field)
    return at === -1 ? fields.length : at
  }
  return errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => place(a.error) - place(b.error) || a.index - b.index)
    .map((e) => e.error)
}

function withoutEmpty(details: RequestDetails): RequestDetails {
  return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)) as RequestDetails
}
