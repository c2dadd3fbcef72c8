import type { Knex } from 'knex'
import type { StaffUser } from '../domain/staff-user.js'
import { recordEvent } from '../audit/events.js'

/** Portal-wide switches an administrator can change, each change an event. */
export const settingKeys = { requireAdminTwoFactor: 'require_admin_two_factor' } as const

export function settingsService(deps: { db: Knex; now: () => Date }) {
  const { db } = deps
  return {
    async requireAdminTwoFactor(): Promise<boolean> {
      const row = await db<{ key: string; value: string }>('settings')
        .where({ key: settingKeys.requireAdminTwoFactor })
        .first()
      return row?.value === 'true'
    },
    async setRequireAdminTwoFactor(actor: StaffUser, required: boolean): Promise<void> {
      const at = deps.now()
      await db.transaction(async (trx) => {
        await trx('settings')
          .insert({
            key: settingKeys.requireAdminTwoFactor,
            value: String(required),
            updated_at: at.toISOString(),
          })
          .onConflict('key')
          .merge(['value', 'updated_at'])
        await recordEvent(
          trx,
          {
            actor: { type: 'staff', id: actor.id },
            subject: { type: 'setting', id: settingKeys.requireAdminTwoFactor },
            kind: 'settings.changed',
            data: { value: required },
          },
          at,
        )
      })
    },
  }
}

export type SettingsService = ReturnType<typeof settingsService>
