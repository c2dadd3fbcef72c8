import type { Knex } from 'knex'

/** When an account's password was last set from an emailed link: sessions begun before it end. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff_users', (t) => {
    t.string('password_changed_at', 30).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff_users', (t) => {
    t.dropColumn('password_changed_at')
  })
}
