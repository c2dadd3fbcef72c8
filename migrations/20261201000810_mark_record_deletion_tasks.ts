import type { Knex } from 'knex'

// The titles deletion tasks were created with, by holding, as they were when this ran.
const deletionTitles: Record<string, string> = {
  survey_platform: 'Delete the address from the survey platform',
  voucher_correspondence: 'Delete the voucher correspondence with this address',
}

export async function up(knex: Knex): Promise<void> {
  for (const [holding, title] of Object.entries(deletionTitles)) {
    await knex('record_tasks').where({ holding, title }).update({ purpose: 'deletion' })
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('record_tasks').update({ purpose: 'other' })
}
