import { formatLongDate } from './clock.js'
import { complaintSubjects, type ComplaintSubject } from './complaint.js'
import { requestTypeInfo, type RequestType } from './request-types.js'

export type LetterKind =
  'clarification' | 'identity' | 'fee' | 'extension' | 'refusal' | 'completion' | 'message'

export interface LetterContext {
  reference: string
  type: RequestType
  name: string | null
  receivedOn: string
  dueOn: string | null
  controllerName: string
  dpoEmail: string
  /** What the record's state says the answer did, drafted for the completion letter. */
  details?: string
}

/** Placeholders a template may use; each is replaced by the case's own value. */
export const placeholders = [
  'reference',
  'name',
  'request',
  'received',
  'due',
  'controller',
  'dpo',
  'details',
] as const

/**
 * The opening of each completion letter. It claims nothing: what was done, kept back or out of
 * reach follows in `{details}`, built from what the case recorded (src/domain/completion-letter.ts).
 */
const completionByType: Record<RequestType, string> = {
  access: 'This is our answer to your request {reference} for a copy of your personal data.',
  portability: 'This is our answer to your request {reference} for your data in a reusable format.',
  rectification: 'This is our answer to your request {reference} to correct your personal data.',
  erasure: 'This is our answer to your request {reference} to delete your personal data.',
  restriction: 'This is our answer to your request {reference} to restrict how we use your personal data.',
  objection: 'This is our answer to your objection {reference} to how we use your personal data.',
  withdraw_consent: 'This is our answer to the withdrawal of your consent ({reference}).',
}

const bodies: Record<Exclude<LetterKind, 'completion'>, string> = {
  clarification:
    'To answer your request {reference} we need to understand better what you are asking for. [Say what you need to know.]\n\nPlease reply from the link in this email. The time limit for our answer is paused from today until we receive your reply.',
  identity:
    'Before we can act on your request {reference} we need to confirm that it comes from you. [Say what proof you need and why.]\n\nThe time limit for our answer starts again on the day we receive it.',
  fee: 'Your request {reference} is manifestly unfounded or excessive, so we may charge a reasonable fee for it. [Give the amount, how it was worked out and how to pay.]\n\nThe time limit for our answer starts again on the day we receive the fee.',
  extension:
    'We need more time to answer your request {reference}, received on {received}. The law allows us to extend the time limit by up to two further months where a request is complex or you have made several requests. [Say why this request needs longer.]\n\nWe will now answer by {due}.',
  refusal:
    'We have decided not to act on your request {reference}, received on {received}. [Give the reasons, and the exemption or why the request is manifestly unfounded or excessive.]',
  message: '[Write your message about request {reference}.]',
}

export function defaultLetter(kind: LetterKind, type: RequestType): string {
  return kind === 'completion' ? `${completionByType[type]}\n\n{details}` : bodies[kind]
}

/** Fills the placeholders. Unknown ones stay as typed, so a typo is visible rather than lost. */
export function fillPlaceholders(template: string, context: LetterContext): string {
  const values: Record<(typeof placeholders)[number], string> = {
    reference: context.reference,
    name: context.name ?? 'you',
    request: requestTypeInfo[context.type].label.toLowerCase(),
    received: formatLongDate(context.receivedOn),
    due: context.dueOn ? formatLongDate(context.dueOn) : 'the date we will confirm',
    controller: context.controllerName,
    dpo: context.dpoEmail,
    details: context.details ?? '',
  }
  return template.replace(/\{(\w+)\}/g, (match, key: string) =>
    Object.hasOwn(values, key) ? values[key as keyof typeof values] : match,
  )
}

/**
 * Every refusal tells the person how to challenge it (Art. 12(4)); this paragraph is added by the
 * portal and cannot be edited away.
 */
export function refusalRightsParagraph(context: LetterContext): string {
  return `You have the right to complain to the Information Commissioner's Office (ICO): https://ico.org.uk/make-a-complaint/ or 0303 123 1113. You also have the right to seek to enforce your rights through the courts (a judicial remedy). If you would like us to look at this again first, email ${context.dpoEmail} quoting ${context.reference}.`
}

/** The greeting and sign-off every letter carries, naming the controller and the DPO. */
export function wrapLetter(
  body: string,
  context: Pick<LetterContext, 'name' | 'controllerName' | 'dpoEmail'>,
): string {
  return `${context.name ? `Dear ${context.name},` : 'Hello,'}\n\n${body.trim()}\n\n${context.controllerName}\nData Protection Officer: ${context.dpoEmail}`
}

/** Every editable template: the letters of case handling, and the completion letter per request type. */
export const templateKeys = [
  'receipt',
  'clarification',
  'identity',
  'fee',
  'extension',
  'refusal',
  'message',
  ...(Object.keys(completionByType) as RequestType[]).map((type) => `completion:${type}` as const),
  'complaint_acknowledgement',
  'complaint_outcome',
] as const

export type TemplateKey = (typeof templateKeys)[number]

export function isTemplateKey(value: string): value is TemplateKey {
  return (templateKeys as readonly string[]).includes(value)
}

export function templateKeyFor(kind: LetterKind, type: RequestType): TemplateKey {
  return kind === 'completion' ? `completion:${type}` : kind
}

export function describeTemplate(key: TemplateKey): string {
  if (key.startsWith('completion:')) {
    return `Completion: ${requestTypeInfo[key.slice('completion:'.length) as RequestType].name}`
  }
  const names: Record<string, string> = {
    receipt: 'Receipt (sent when a request is confirmed)',
    clarification: 'Clarification request',
    identity: 'Identity request',
    fee: 'Fee request',
    extension: 'Extension notice',
    refusal: 'Refusal',
    message: 'Free message',
    complaint_acknowledgement: 'Complaint acknowledgement (sent when a complaint is confirmed)',
    complaint_outcome: 'Complaint outcome (the portal adds the decision and the ICO paragraph)',
  }
  return names[key] ?? key
}

export const builtInReceipt =
  'Thank you for your request to {request}. Your reference number is {reference}. We must answer by {due}.'

export function builtInTemplate(key: TemplateKey): string {
  if (key === 'receipt') return builtInReceipt
  if (isComplaintTemplateKey(key)) return builtInComplaintTemplates[key]
  if (key.startsWith('completion:'))
    return defaultLetter('completion', key.slice('completion:'.length) as RequestType)
  return defaultLetter(key as Exclude<LetterKind, 'completion'>, 'access')
}

/** Placeholders in a template that the portal does not know (for its key, when given): most likely typos. */
export function unknownPlaceholders(template: string, key?: TemplateKey): string[] {
  const known = new Set<string>(key ? placeholdersFor(key) : placeholders)
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').filter((name) => !known.has(name))
}

/** Placeholders a complaint letter may use; each is replaced by the complaint's own value. */
export const complaintPlaceholders = [
  'reference',
  'name',
  'subject',
  'received',
  'target',
  'controller',
  'dpo',
] as const

/** The templates of letters about complaints: their keys start with `complaint_`. */
export type ComplaintTemplateKey = Extract<TemplateKey, `complaint_${string}`>

export function isComplaintTemplateKey(key: string): key is ComplaintTemplateKey {
  return key.startsWith('complaint_') && isTemplateKey(key)
}

/** What a template may say: complaint letters know the complaint's values, the others a request's. */
export function placeholdersFor(key: TemplateKey): readonly string[] {
  return isComplaintTemplateKey(key) ? complaintPlaceholders : placeholders
}

const builtInComplaintTemplates: Record<ComplaintTemplateKey, string> = {
  complaint_acknowledgement:
    'Thank you for your complaint, which we received on {received}. Your reference number is {reference}.\n\nYour complaint is about: {subject}.\n\nWe will look into what you have told us, keep you informed of our progress and tell you the outcome. We aim to give you the outcome by {target}. If we need longer, we will tell you why.',
  complaint_outcome:
    'Thank you for your complaint {reference}, which we received on {received}, about {subject}.\n\nWe have looked into what you told us. [Say what you looked at, what you found and why you reached your decision.]',
}

export interface ComplaintLetterContext {
  reference: string
  subject: ComplaintSubject
  name: string | null
  receivedOn: string
  /** The organisation's own target for the outcome, if set. */
  responseTargetOn: string | null
  controllerName: string
  dpoEmail: string
}

/** Fills a complaint letter's placeholders. Unknown ones stay as typed, so a typo is visible. */
export function fillComplaintPlaceholders(template: string, context: ComplaintLetterContext): string {
  const label = complaintSubjects[context.subject].label
  const values: Record<(typeof complaintPlaceholders)[number], string> = {
    reference: context.reference,
    name: context.name ?? 'you',
    subject: label.charAt(0).toLowerCase() + label.slice(1),
    received: formatLongDate(context.receivedOn),
    target: context.responseTargetOn ? formatLongDate(context.responseTargetOn) : 'the date we will confirm',
    controller: context.controllerName,
    dpo: context.dpoEmail,
  }
  return template.replace(/\{(\w+)\}/g, (match, key: string) =>
    Object.hasOwn(values, key) ? values[key as keyof typeof values] : match,
  )
}
