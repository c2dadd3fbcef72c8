import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // Each check of the hash chain, for the auditor's page; the last good head anchors the next check.
  await knex.schema.createTable('audit_verifications', (t) => {
    t.string('id', 36).primary()
    t.string('verified_at', 30).notNullable()
    // A staff user's id, or 'cli' for the command line.
    t.string('verified_by', 64).notNullable()
    t.string('result', 10).notNullable()
    t.integer('events_checked').notNullable()
    t.bigInteger('head_seq').nullable()
    t.string('head_hash', 64).nullable()
    t.bigInteger('broken_seq').nullable()
    t.string('broken_event_id', 36).nullable()
    t.string('broken_event_kind', 60).nullable()
    t.string('broken_kind', 20).nullable()
    t.text('broken_detail').nullable()
    t.index(['verified_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_verifications')
}
