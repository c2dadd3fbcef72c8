import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    // A request received by post or phone may have no email address: letters are then printed and
    // posted here. JSON (lines, town, postcode); personal data, removed with the name and address.
    t.text('postal_address').nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropColumn('postal_address')
  })
}
