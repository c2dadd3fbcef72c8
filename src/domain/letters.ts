import { formatLongDate } from './clock.js'
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
export function wrapLetter(body: string, context: LetterContext): string {
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
  }
  return names[key] ?? key
}

export const builtInReceipt =
  'Thank you for your request to {request}. Your reference number is {reference}. We must answer by {due}.'

export function builtInTemplate(key: TemplateKey): string {
  if (key === 'receipt') return builtInReceipt
  if (key.startsWith('completion:'))
    return defaultLetter('completion', key.slice('completion:'.length) as RequestType)
  return defaultLetter(key as Exclude<LetterKind, 'completion'>, 'access')
}

/** Placeholders in a template that the portal does not know: most likely typos. */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(placeholders)
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').filter((name) => !known.has(name))
}
