import { isIsoDate } from '../domain/clock.js'
import {
  isSpecialCategoryCondition,
  lawfulBases,
  type DataCategory,
  type LawfulBasis,
} from '../domain/data-map.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import type { FieldError } from '../errors.js'
import { formValues, readText } from '../web/form-text.js'
import type { StudyDetails } from '../domain/study.js'

type Body = Record<string, unknown>

export type Parsed<T> =
  | { ok: true; value: T; values: Record<string, string> }
  | { ok: false; errors: FieldError[]; values: Record<string, string> }

/** The longest any retention period or extension may be, in months: ten years. */
export const maxMonths = 120
/** A privacy notice must fit in one form post (the body limit is 64 kB, encoded). */
export const maxNoticeCharacters = 30_000

export const studyDetailFields = [
  'title',
  'controllerName',
  'controllerAddress',
  'dpoEmail',
  'privacyNoticeText',
  'privacyNoticeDate',
  'surveyClosesOn',
  'surveyExtensionMonths',
  'platformRetentionMonths',
  'voucherRetentionMonths',
  'acceptingRequests',
  'recipients',
  'internationalTransfers',
] as const satisfies readonly (keyof StudyDetails)[]

export const categoryFields = [
  'label',
  'purpose',
  'lawfulBasis',
  'specialCategory',
  'specialCategoryCondition',
  'heldIn',
  'retentionRule',
  'linkedAfterExtraction',
] as const satisfies readonly (keyof DataCategory)[]

export type CategoryDetails = Omit<DataCategory, 'key'>

function readDate(body: Body, field: string, name: string, errors: FieldError[]): string | undefined {
  const raw = typeof body[field] === 'string' ? body[field].trim() : ''
  if (raw === '') {
    errors.push({ field, href: `#${field}`, text: `Enter ${name}` })
    return undefined
  }
  if (!isIsoDate(raw)) {
    errors.push({ field, href: `#${field}`, text: `Enter ${name} as a real date, like 2021-08-31` })
    return undefined
  }
  return raw
}

function readMonths(body: Body, field: string, name: string, errors: FieldError[]): number | undefined {
  const raw = typeof body[field] === 'string' ? body[field].trim() : ''
  if (raw === '') {
    errors.push({ field, href: `#${field}`, text: `Enter ${name} in months` })
    return undefined
  }
  if (!/^\d+$/.test(raw)) {
    errors.push({ field, href: `#${field}`, text: `Enter ${name} as a whole number of months, like 6` })
    return undefined
  }
  const months = Number(raw)
  if (months > maxMonths) {
    errors.push({
      field,
      href: `#${field}`,
      text: `${capitalise(name)} must be ${maxMonths} months or fewer`,
    })
    return undefined
  }
  return months
}

function readYesNo(body: Body, field: string, question: string, errors: FieldError[]): boolean | undefined {
  const raw = body[field]
  if (raw === 'yes') return true
  if (raw === 'no') return false
  errors.push({ field, href: `#${field}`, text: `Select yes if ${question}` })
  return undefined
}

/** The study details form: every field checked, every problem reported at once. */
export function parseStudyDetails(body: Body): Parsed<StudyDetails> {
  const errors: FieldError[] = []
  const values = formValues(body, [...studyDetailFields])
  const title = readText(
    body,
    { field: 'title', name: 'the title', required: 'Enter the title', max: 300 },
    errors,
  )
  const controllerName = readText(
    body,
    {
      field: 'controllerName',
      name: 'the controller’s name',
      required: 'Enter the controller’s name',
      max: 300,
    },
    errors,
  )
  const controllerAddress = readText(
    body,
    {
      field: 'controllerAddress',
      name: 'the controller’s address',
      required: 'Enter the controller’s address',
      max: 1000,
      multiline: true,
    },
    errors,
  )
  const rawEmail = readText(
    body,
    {
      field: 'dpoEmail',
      name: 'the DPO’s email address',
      required: 'Enter the Data Protection Officer’s email address',
      max: 320,
    },
    errors,
  )
  const dpoEmail = rawEmail === undefined ? undefined : normaliseEmail(rawEmail)
  if (dpoEmail !== undefined && !errors.some((e) => e.field === 'dpoEmail') && !isValidEmail(dpoEmail)) {
    errors.push({
      field: 'dpoEmail',
      href: '#dpoEmail',
      text: 'Enter the email address in the correct format, like dpo@example.org',
    })
  }
  const recipients = readText(
    body,
    {
      field: 'recipients',
      name: 'the recipients',
      required: 'Enter who receives the data',
      max: 5000,
      multiline: true,
    },
    errors,
  )
  const internationalTransfers = readText(
    body,
    {
      field: 'internationalTransfers',
      name: 'the transfers outside the UK',
      required: 'Enter whether the data goes outside the UK, and under what safeguards',
      max: 5000,
      multiline: true,
    },
    errors,
  )
  const privacyNoticeText = readText(
    body,
    {
      field: 'privacyNoticeText',
      name: 'the privacy notice',
      required: 'Enter the text of the privacy notice',
      max: maxNoticeCharacters,
      multiline: true,
    },
    errors,
  )
  const privacyNoticeDate = readDate(body, 'privacyNoticeDate', 'the date of the privacy notice', errors)
  const surveyClosesOn = readDate(body, 'surveyClosesOn', 'the date the survey closes', errors)
  const surveyExtensionMonths = readMonths(body, 'surveyExtensionMonths', 'the allowed extension', errors)
  const platformRetentionMonths = readMonths(
    body,
    'platformRetentionMonths',
    'how long the survey platform keeps addresses',
    errors,
  )
  const voucherRetentionMonths = readMonths(
    body,
    'voucherRetentionMonths',
    'how long voucher correspondence is kept',
    errors,
  )
  const acceptingRequests = readYesNo(
    body,
    'acceptingRequests',
    'people can make requests about this study',
    errors,
  )
  if (
    errors.length > 0 ||
    recipients === undefined ||
    internationalTransfers === undefined ||
    title === undefined ||
    controllerName === undefined ||
    controllerAddress === undefined ||
    dpoEmail === undefined ||
    privacyNoticeText === undefined ||
    privacyNoticeDate === undefined ||
    surveyClosesOn === undefined ||
    surveyExtensionMonths === undefined ||
    platformRetentionMonths === undefined ||
    voucherRetentionMonths === undefined ||
    acceptingRequests === undefined
  ) {
    return { ok: false, errors, values }
  }
  return {
    ok: true,
    values,
    value: {
      title,
      controllerName,
      controllerAddress,
      dpoEmail,
      privacyNoticeText,
      privacyNoticeDate,
      surveyClosesOn,
      surveyExtensionMonths,
      platformRetentionMonths,
      voucherRetentionMonths,
      acceptingRequests,
      recipients,
      internationalTransfers,
    },
  }
}

function isLawfulBasis(value: unknown): value is LawfulBasis {
  return typeof value === 'string' && (lawfulBases as readonly string[]).includes(value)
}

/** One row of the data map, as an administrator fills it in. */
export function parseCategory(body: Body): Parsed<CategoryDetails> {
  const errors: FieldError[] = []
  const values = formValues(body, [...categoryFields, 'key'])
  const label = readText(
    body,
    { field: 'label', name: 'the name', required: 'Enter the name of the data', max: 200 },
    errors,
  )
  const purpose = readText(
    body,
    {
      field: 'purpose',
      name: 'the purpose',
      required: 'Enter what the data is used for',
      max: 2000,
      multiline: true,
    },
    errors,
  )
  const lawfulBasis = body.lawfulBasis
  if (!isLawfulBasis(lawfulBasis)) {
    errors.push({ field: 'lawfulBasis', href: '#lawfulBasis', text: 'Select the lawful basis' })
  }
  const specialCategory = readYesNo(body, 'specialCategory', 'it is special category data', errors)
  const condition = body.specialCategoryCondition
  const specialCategoryCondition = specialCategory && isSpecialCategoryCondition(condition) ? condition : null
  if (specialCategory && !specialCategoryCondition) {
    errors.push({
      field: 'specialCategoryCondition',
      href: '#specialCategoryCondition',
      text: 'Select the Article 9 condition for this special category data',
    })
  }
  const heldIn = readText(
    body,
    {
      field: 'heldIn',
      name: 'where it is held',
      required: 'Enter where the data is held',
      max: 2000,
      multiline: true,
    },
    errors,
  )
  const retentionRule = readText(
    body,
    {
      field: 'retentionRule',
      name: 'the retention rule',
      required: 'Enter how long the data is kept',
      max: 2000,
      multiline: true,
    },
    errors,
  )
  const linkedAfterExtraction = readYesNo(
    body,
    'linkedAfterExtraction',
    'it stays linked to the email address after extraction',
    errors,
  )
  if (
    errors.length > 0 ||
    label === undefined ||
    purpose === undefined ||
    !isLawfulBasis(lawfulBasis) ||
    specialCategory === undefined ||
    heldIn === undefined ||
    retentionRule === undefined ||
    linkedAfterExtraction === undefined
  ) {
    return { ok: false, errors, values }
  }
  return {
    ok: true,
    values,
    value: {
      label,
      purpose,
      lawfulBasis,
      specialCategory,
      specialCategoryCondition,
      heldIn,
      retentionRule,
      linkedAfterExtraction,
    },
  }
}

const keyPattern = /^[a-z][a-z0-9_]{0,59}$/

/** A category's key from its name: "Answers to the survey" → "answers_to_the_survey". */
export function keyFromLabel(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+/, '')
    .slice(0, 60)
    .replace(/_+$/, '')
}

/** A new category: its details and its key, as entered or made from its name. */
export function parseNewCategory(body: Body): Parsed<DataCategory> {
  const parsed = parseCategory(body)
  const errors = parsed.ok ? [] : [...parsed.errors]
  const entered = typeof body.key === 'string' ? body.key.trim() : ''
  const label = typeof body.label === 'string' ? body.label.trim() : ''
  const key = entered || keyFromLabel(label)
  if ((entered || label) && !keyPattern.test(key)) {
    // Shown just after the name, where the key field is.
    errors.splice(errors[0]?.field === 'label' ? 1 : 0, 0, {
      field: 'key',
      href: '#key',
      text: entered
        ? 'The key must start with a letter and use only lowercase letters, numbers and underscores, up to 60'
        : 'Enter a key starting with a letter: one cannot be made from this name',
    })
  }
  if (!parsed.ok || errors.length > 0) return { ok: false, errors, values: parsed.values }
  return { ok: true, values: parsed.values, value: { key, ...parsed.value } }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
