import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff_users', (t) => {
    // The time step of the last code accepted, so a code cannot be used twice.
    t.bigInteger('totp_last_step').nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff_users', (t) => {
    t.dropColumn('totp_last_step')
  })
}
