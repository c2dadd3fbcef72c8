import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_records', (t) => {
    // Consent-based data is excluded from further processing from this day (Art. 7(3)).
    t.string('consent_withdrawn_on', 10).nullable()
    // The processing objected to and the decision (Art. 21): stopped, or continued on compelling grounds.
    t.string('objection_on', 10).nullable()
    t.string('objection_processing', 80).nullable()
    t.string('objection_decision', 30).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_records', (t) => {
    t.dropColumn('objection_decision')
    t.dropColumn('objection_processing')
    t.dropColumn('objection_on')
    t.dropColumn('consent_withdrawn_on')
  })
}
