import type { Knex } from 'knex'

// The titles deletion tasks were created with, as they were when this ran.
const deletionTitles = [
  'Delete the address from the survey platform',
  'Delete the voucher correspondence with this address',
]

export async function up(knex: Knex): Promise<void> {
  // An erasure request made its deletion tasks beside the record's, with the same title at the
  // same instant, on the request's record.
  await knex('request_tasks')
    .whereNull('record_task_id')
    .whereIn('title', deletionTitles)
    .update({
      record_task_id: knex('record_tasks as rt')
        .join('rights_requests as r', 'r.record_id', 'rt.record_id')
        .where('r.id', knex.ref('request_tasks.request_id'))
        .where('rt.title', knex.ref('request_tasks.title'))
        .where('rt.created_at', knex.ref('request_tasks.created_at'))
        .where('rt.purpose', 'deletion')
        .orderBy('rt.id')
        .limit(1)
        .select('rt.id'),
    })
}

export async function down(knex: Knex): Promise<void> {
  await knex('request_tasks').update({ record_task_id: null })
}
