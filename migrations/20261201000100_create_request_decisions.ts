import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // A part of a request the DPO decided not to do (data kept, withheld or not corrected), with the
  // ground and the reasons for this case. One decision per part; the completion letter quotes it.
  await knex.schema.createTable('request_decisions', (t) => {
    t.string('id', 36).primary()
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests').onDelete('CASCADE')
    t.string('part', 100).notNullable()
    t.string('ground', 60).notNullable()
    t.text('reasoning').notNullable()
    t.string('decided_by', 36).notNullable().references('id').inTable('staff_users')
    t.string('decided_at', 30).notNullable()
    t.unique(['request_id', 'part'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_decisions')
}
