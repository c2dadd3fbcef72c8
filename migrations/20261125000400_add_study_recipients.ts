import type { Knex } from 'knex'

const seedStudyId = '5b0f7d0e-4a1e-4c9b-9d3e-2a6f1c7e0001'

export async function up(knex: Knex): Promise<void> {
  // An access answer names the recipients of the data and any transfer abroad (Art. 15(1)(c),
  // 15(2)); a study says who they are, one recipient category per line.
  await knex.schema.alterTable('studies', (t) => {
    t.text('recipients').notNullable().defaultTo('')
    t.text('international_transfers').notNullable().defaultTo('')
  })
  // The first study, from its privacy notice (16 June 2021).
  await knex('studies')
    .where({ id: seedStudyId })
    .update({
      recipients: [
        'Pre-approved online survey platform providers, who run the survey for us.',
        'The Office for National Statistics Secure Research Service, which archives the anonymised research data for us (de-identified, anonymous data only).',
        'Law enforcement agencies, regulators or public authorities, only where the law requires us to disclose it.',
      ].join('\n'),
      international_transfers:
        'It is unlikely that we will share your personal data outside the UK. If it becomes necessary for the research, we will share it only with organisations in countries with an adequacy decision, or under Standard Contractual Clauses, both recognised by the UK.',
    })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('studies', (t) => {
    t.dropColumn('recipients')
    t.dropColumn('international_transfers')
  })
}
