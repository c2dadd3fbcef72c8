import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // A restriction is lifted only after the person has been told (Art. 18(3)): the day the notice
  // went, from which the notice period runs.
  await knex.schema.alterTable('email_records', (t) => {
    t.string('restriction_lift_notice_on', 10).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_records', (t) => {
    t.dropColumn('restriction_lift_notice_on')
  })
}
