import type { Knex } from 'knex'

/**
 * How many requests there are of each status, type, study and assignee ('' for none), kept by the
 * database itself: a trigger on every insert, delete and change of those columns, whoever writes.
 * The queue's tab counts read these few hundred rows instead of counting a million requests.
 */
const onPostgres = (knex: Knex) => (knex.client as { config: Knex.Config }).config.client === 'pg'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('request_counts', (t) => {
    t.string('status', 30).notNullable()
    t.string('type', 20).notNullable()
    t.string('study_id', 36).notNullable()
    t.string('assignee_id', 36).notNullable()
    t.bigInteger('n').notNullable()
    t.primary(['status', 'type', 'study_id', 'assignee_id'])
  })
  await knex.raw(
    "insert into request_counts (status, type, study_id, assignee_id, n) select status, type, study_id, coalesce(assignee_id, ''), count(*) from rights_requests group by status, type, study_id, coalesce(assignee_id, '')",
  )
  const add = (row: 'new' | 'old', change: '+ 1' | '- 1') =>
    `insert into request_counts (status, type, study_id, assignee_id, n)
       values (${row}.status, ${row}.type, ${row}.study_id, coalesce(${row}.assignee_id, ''), ${change === '+ 1' ? 1 : -1})
       on conflict (status, type, study_id, assignee_id) do update set n = request_counts.n ${change};`
  if (onPostgres(knex)) {
    await knex.raw(`
      create function request_counts_follow() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then
          ${add('old', '- 1')}
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
          ${add('new', '+ 1')}
        end if;
        return null;
      end
      $$`)
    await knex.raw(
      'create trigger request_counts_insert_delete after insert or delete on rights_requests for each row execute function request_counts_follow()',
    )
    await knex.raw(`create trigger request_counts_update after update of status, type, study_id, assignee_id on rights_requests
      for each row when (old.status is distinct from new.status or old.type is distinct from new.type or old.study_id is distinct from new.study_id or old.assignee_id is distinct from new.assignee_id)
      execute function request_counts_follow()`)
    return
  }
  await knex.raw(
    `create trigger request_counts_insert after insert on rights_requests begin ${add('new', '+ 1')} end`,
  )
  await knex.raw(
    `create trigger request_counts_delete after delete on rights_requests begin ${add('old', '- 1')} end`,
  )
  await knex.raw(`create trigger request_counts_update after update of status, type, study_id, assignee_id on rights_requests
    when old.status is not new.status or old.type is not new.type or old.study_id is not new.study_id or old.assignee_id is not new.assignee_id
    begin ${add('old', '- 1')} ${add('new', '+ 1')} end`)
}

export async function down(knex: Knex): Promise<void> {
  if (onPostgres(knex)) {
    await knex.raw('drop trigger request_counts_update on rights_requests')
    await knex.raw('drop trigger request_counts_insert_delete on rights_requests')
    await knex.raw('drop function request_counts_follow()')
  } else {
    await knex.raw('drop trigger request_counts_update')
    await knex.raw('drop trigger request_counts_delete')
    await knex.raw('drop trigger request_counts_insert')
  }
  await knex.schema.dropTable('request_counts')
}
