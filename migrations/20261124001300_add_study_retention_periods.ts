import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('studies', (t) => {
    // The retention rules of the email address, in calendar months (SPEC §2).
    t.integer('platform_retention_months').notNullable().defaultTo(6)
    t.integer('voucher_retention_months').notNullable().defaultTo(2)
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('studies', (t) => {
    t.dropColumn('voucher_retention_months')
    t.dropColumn('platform_retention_months')
  })
}
