import type { FieldError } from '../errors.js'

export interface TextRule {
  field: string
  /** Lower-case phrase for messages: "your email address". */
  name: string
  required?: string
  max: number
  multiline?: boolean
  /** The id of the input, when it differs from the field name. */
  id?: string
}

// Control characters other than tab and newlines, and the replacement character that
// undecodable bytes turn into.
// eslint-disable-next-line no-control-regex
const forbiddenSingleLine = /[\u0000-\u001f\u007f-\u009f\ufffd]/
// eslint-disable-next-line no-control-regex
const forbiddenMultiLine = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/

/** Reads one text field the GOV.UK way: trimmed, with a specific message for each problem. */
export function readText(
  body: Record<string, unknown>,
  rule: TextRule,
  errors: FieldError[],
): string | undefined {
  const raw = body[rule.field]
  const href = `#${rule.id ?? rule.field}`
  if (raw !== undefined && typeof raw !== 'string') {
    errors.push({ field: rule.field, href, text: `Enter ${rule.name} as text` })
    return undefined
  }
  const value = (raw ?? '').replace(/\r\n/g, '\n').trim()
  if (value === '') {
    if (rule.required) errors.push({ field: rule.field, href, text: rule.required })
    return undefined
  }
  if ((rule.multiline ? forbiddenMultiLine : forbiddenSingleLine).test(value)) {
    errors.push({
      field: rule.field,
      href,
      text: `${capitalise(rule.name)} must only include letters, numbers, spaces and punctuation we can read`,
    })
    return value
  }
  if ([...value].length > rule.max) {
    errors.push({
      field: rule.field,
      href,
      text: `${capitalise(rule.name)} must be ${rule.max} characters or fewer`,
    })
  }
  return value
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** What the person typed, kept so a form with errors shows it again. */
export function formValues(body: Record<string, unknown>, fields: string[]): Record<string, string> {
  const values: Record<string, string> = {}
  for (const field of fields) {
    const value = body[field]
    if (typeof value === 'string') values[field] = value
  }
  return values
}
