import { consentChoices, objectionChoices, type Choice, type DataCategory } from '../domain/data-map.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import { isRestrictionGround, type RequestDetails, type RequestType } from '../domain/request-types.js'
import type { FieldError } from '../errors.js'
import { readText } from '../web/form-text.js'

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
  const errors: FieldError[] = []
  const optional = (field: string, name: string) =>
    readText(body, { field, name, max: limits.long, multiline: true }, errors)

  let details: RequestDetails | undefined
  switch (type) {
    case 'access':
    case 'portability':
      details = { type, description: optional('description', 'the details of your request') }
      break
    case 'erasure':
      details = { type, reason: optional('reason', 'your reason'), askRecipients: readAskRecipients(body) }
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
        'Select why you want us to limit how we use your data',
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
      details = { type, processing: processing ?? '', description: optional('description', 'your reasons') }
      break
    }
    case 'withdraw_consent': {
      const consent = readChoice(
        body,
        'consent',
        (v) => choices.consent.some((c) => c.value === v),
        'Select the consent you want to withdraw',
        errors,
      )
      details = { type, consent: consent ?? '', description: optional('description', 'more detail') }
      break
    }
  }

  const rawEmail = readText(
    body,
    { field: 'email', name: 'your email address', required: 'Enter your email address', max: limits.email },
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
  const name = readText(body, { field: 'name', name: 'your name', max: limits.name }, errors)

  if (errors.length > 0 || !email || !details) return { ok: false, errors }
  return { ok: true, form: { details: withoutEmpty(details), email, name: name ?? null } }
}

function withoutEmpty(details: RequestDetails): RequestDetails {
  return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)) as RequestDetails
}
