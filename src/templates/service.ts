import type { Knex } from 'knex'
import type { StaffUser } from '../domain/staff-user.js'
import { recordEvent } from '../audit/events.js'
import {
  builtInTemplate,
  describeTemplate,
  templateKeyFor,
  templateKeys,
  unknownPlaceholders,
  type LetterKind,
  type TemplateKey,
} from '../domain/letters.js'
import type { RequestType } from '../domain/request-types.js'
import { ValidationError } from '../errors.js'

export interface MessageTemplate {
  key: TemplateKey
  name: string
  body: string
  edited: boolean
  updatedAt: string | null
}

interface TemplateRow {
  key: string
  body: string
  updated_at: string
  updated_by: string | null
}

function toTemplate(key: TemplateKey, edit: TemplateRow | undefined): MessageTemplate {
  return {
    key,
    name: describeTemplate(key),
    body: edit?.body ?? builtInTemplate(key),
    edited: Boolean(edit),
    updatedAt: edit?.updated_at ?? null,
  }
}

/** Letter templates: the built-in wording unless an administrator has edited it. */
export function templatesService(deps: { db: Knex; now: () => Date }) {
  const { db } = deps

  async function stored(): Promise<Map<string, TemplateRow>> {
    const rows = await db<TemplateRow>('message_templates')
    return new Map(rows.map((r) => [r.key, r]))
  }

  return {
    async list(): Promise<MessageTemplate[]> {
      const edits = await stored()
      return templateKeys.map((key) => toTemplate(key, edits.get(key)))
    },

    async get(key: TemplateKey): Promise<MessageTemplate> {
      return toTemplate(key, await db<TemplateRow>('message_templates').where({ key }).first())
    },

    /** The wording of every letter for one request type, for drafting on the case page. */
    async forCase(type: RequestType): Promise<Record<LetterKind, string>> {
      const edits = await stored()
      const kinds: LetterKind[] = [
        'clarification',
        'identity',
        'fee',
        'extension',
        'refusal',
        'message',
        'completion',
      ]
      return Object.fromEntries(
        kinds.map((kind) => {
          const key = templateKeyFor(kind, type)
          return [kind, edits.get(key)?.body ?? builtInTemplate(key)]
        }),
      ) as Record<LetterKind, string>
    },

    async save(actor: StaffUser, key: TemplateKey, body: string): Promise<void> {
      const text = body.replace(/\r\n/g, '\n').trim()
      if (text === '')
        throw new ValidationError([
          { field: 'body', href: '#body', text: 'Enter the wording of the template' },
        ])
      if (text.length > 10_000)
        throw new ValidationError([
          { field: 'body', href: '#body', text: 'The template must be 10,000 characters or fewer' },
        ])
      const unknown = unknownPlaceholders(text, key)
      if (unknown.length > 0) {
        throw new ValidationError([
          {
            field: 'body',
            href: '#body',
            text: `Unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}: check the spelling`,
          },
        ])
      }
      const at = deps.now()
      await db.transaction(async (trx) => {
        await trx('message_templates')
          .insert({ key, body: text, updated_at: at.toISOString(), updated_by: actor.id })
          .onConflict('key')
          .merge(['body', 'updated_at', 'updated_by'])
        await recordEvent(
          trx,
          {
            actor: { type: 'staff', id: actor.id },
            subject: { type: 'template', id: key },
            kind: 'settings.template_changed',
            data: { length: text.length },
          },
          at,
        )
      })
    },

    async reset(actor: StaffUser, key: TemplateKey): Promise<void> {
      const at = deps.now()
      await db.transaction(async (trx) => {
        await trx('message_templates').where({ key }).delete()
        await recordEvent(
          trx,
          {
            actor: { type: 'staff', id: actor.id },
            subject: { type: 'template', id: key },
            kind: 'settings.template_reset',
          },
          at,
        )
      })
    },
  }
}

export type TemplatesService = ReturnType<typeof templatesService>
