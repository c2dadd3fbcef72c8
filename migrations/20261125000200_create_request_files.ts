import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // What a request's answer delivers: the access answer, the portability data and files the DPO
  // attaches. Drafts are seen only by staff; publishing makes them downloadable from the person's
  // status page until they expire. Erasure revokes them. The body is removed once a file expires
  // or is revoked, so the portal does not keep copies of what it handed over.
  await knex.schema.createTable('request_files', (t) => {
    t.string('id', 36).primary()
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests')
    t.string('kind', 30).notNullable()
    t.string('filename', 200).notNullable()
    t.string('content_type', 100).notNullable()
    t.binary('body').nullable()
    t.integer('size_bytes').notNullable()
    t.string('sha256', 64).notNullable()
    t.string('created_by', 36).nullable().references('id').inTable('staff_users')
    t.string('created_at', 30).notNullable()
    t.string('published_at', 30).nullable()
    t.string('expires_at', 30).nullable()
    t.string('revoked_at', 30).nullable()
    t.string('revoke_reason', 40).nullable()
    t.string('purged_at', 30).nullable()
    t.index(['request_id', 'created_at'])
    t.index(['expires_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_files')
}
