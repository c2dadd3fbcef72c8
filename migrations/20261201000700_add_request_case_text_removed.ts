import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    // When the free text of the closed case was replaced by a marker (CASE_TEXT_RETENTION_MONTHS).
    t.string('case_text_removed_at', 30).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropColumn('case_text_removed_at')
  })
}
