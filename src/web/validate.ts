import { z } from 'zod'
import { isIsoDate } from '../domain/clock.js'
import { ValidationError, type FieldError } from '../errors.js'
import { readText, type TextRule } from './form-text.js'

/** A form's schema: one entry per field, in the order the fields appear on the page. */
export type FormSchema = z.ZodObject

/** Element ids for fields whose id differs from their name, for the error summary's links. */
export type FieldIds<Schema extends FormSchema> = Partial<
  Record<Extract<keyof Schema['shape'], string>, string>
>

export type FormResult<Schema extends FormSchema> =
  { ok: true; value: z.output<Schema> } | { ok: false; errors: FieldError[] }

/**
 * Checks a submitted form against its schema. The problems come back as the GOV.UK error summary
 * wants them: one per field, the first found, in the schema's (the page's) order. (A check across
 * fields, `.refine` on the object, runs only once every field passed, unless it gives `when`.)
 */
export function checkForm<Schema extends FormSchema>(
  schema: Schema,
  body: unknown,
  ids: FieldIds<Schema> = {},
): FormResult<Schema> {
  const result = schema.safeParse(body ?? {})
  if (result.success) return { ok: true, value: result.data }
  const order = Object.keys(schema.shape)
  const place = (field: string) => (order.includes(field) ? order.indexOf(field) : order.length)
  const byField = new Map<string, string>()
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '')
    if (!byField.has(field)) byField.set(field, issue.message)
  }
  const href = (field: string) => `#${(ids as Partial<Record<string, string>>)[field] ?? field}`
  return {
    ok: false,
    errors: [...byField]
      .sort(([a], [b]) => place(a) - place(b))
      .map(([field, text]) => ({ field, href: href(field), text })),
  }
}

/** As `checkForm`, for a handler that re-renders its page on a ValidationError. */
export function parseForm<Schema extends FormSchema>(
  schema: Schema,
  body: unknown,
  ids: FieldIds<Schema> = {},
): z.output<Schema> {
  const result = checkForm(schema, body, ids)
  if (!result.ok) throw new ValidationError(result.errors)
  return result.value
}

/** A text field read as `readText` reads it (trimmed, one message per problem); empty or missing is ''. */
export function textField(rule: Omit<TextRule, 'field' | 'id'>) {
  return z
    .unknown()
    .optional()
    .transform((raw, ctx): string => {
      const errors: FieldError[] = []
      const value = readText({ value: raw }, { ...rule, field: 'value' }, errors)
      for (const error of errors) ctx.addIssue({ code: 'custom', message: error.text })
      return value ?? ''
    })
}

/** A field that must be filled in: trimmed, unless it is taken as typed (a password, say). */
export function required(message: string, { trim = true }: { trim?: boolean } = {}) {
  const typed = z.string({ error: message })
  return (trim ? typed.trim() : typed).min(1, { error: message })
}

/** A date typed as YYYY-MM-DD. */
export function isoDate(message: string) {
  return z.string({ error: message }).refine(isIsoDate, { error: message, abort: true })
}
