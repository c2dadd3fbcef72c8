import type { Knex } from 'knex'

const seedStudyId = '5b0f7d0e-4a1e-4c9b-9d3e-2a6f1c7e0001'
// The next id in the seed's series (its six categories are …0100 to …0105), so `down` removes only
// the row this migration added.
const categoryId = '5b0f7d0e-4a1e-4c9b-9d3e-2a6f1c7e0106'
const key = 'voucher_correspondence'

// The privacy notice (16 June 2021) keeps "any correspondence with you for a further two months from
// the point the voucher has been sent to you for the purpose of resolution of any issues that may
// occur": personal data held about the person, so an access answer must list it.
const category = {
  key,
  label: 'Correspondence about your voucher',
  purpose: 'To resolve any issue with the voucher we sent you for taking part in the survey.',
  lawful_basis: 'legitimate_interests',
  special_category: false,
  special_category_condition: null,
  held_in: 'Our mailbox for voucher correspondence. It is not part of the survey data.',
  retention_rule: 'Kept for 2 months after the voucher was sent, then deleted.',
  // It is tied to the address, not to the survey extract, so extraction does not anonymise it.
  linked_after_extraction: true,
}

export async function up(knex: Knex): Promise<void> {
  const study = await knex('studies').where({ id: seedStudyId }).first<{ id: string } | undefined>('id')
  if (!study) return
  const categories = knex('study_data_categories').where({ study_id: seedStudyId })
  if (await categories.clone().where({ key }).first<{ id: string } | undefined>('id')) return
  // Listed right after the email address it is tied to; the categories after it move down one.
  const email = await categories
    .clone()
    .where({ key: 'email' })
    .first<{ position: number | string } | undefined>('position')
  const last = await categories
    .clone()
    .max<{ position: number | string | null }>('position as position')
    .first()
  const position =
    email !== undefined
      ? Number(email.position) + 1
      : last?.position === null || last?.position === undefined
        ? 0
        : Number(last.position) + 1
  await categories.clone().where('position', '>=', position).increment('position', 1)
  await knex('study_data_categories').insert({
    id: categoryId,
    study_id: seedStudyId,
    position,
    ...category,
  })
}

export async function down(knex: Knex): Promise<void> {
  const added = await knex('study_data_categories')
    .where({ id: categoryId })
    .first<{ position: number | string } | undefined>('position')
  if (!added) return
  await knex('study_data_categories').where({ id: categoryId }).delete()
  await knex('study_data_categories')
    .where({ study_id: seedStudyId })
    .where('position', '>', Number(added.position))
    .decrement('position', 1)
}
