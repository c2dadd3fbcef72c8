import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { fillDemo } from '../../src/demo.js'
import { londonDate } from '../../src/domain/clock.js'
import { retentionStateAt } from '../../src/domain/retention.js'
import { recordsRepo } from '../../src/records/repo.js'
import { studiesRepo } from '../../src/studies/repo.js'
import { freshDb, type TestDb } from '../helpers/db.js'
import { testSecret } from '../helpers/context.js'

let test: TestDb
beforeEach(async () => {
  test = await freshDb()
})
afterEach(async () => {
  await test.destroy()
})

describe('demo data', () => {
  it('fills an empty database with records in every retention state and requests at every stage', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      SECRET: testSecret,
      DATA_DIR: '/tmp/rights-portal-test',
      LOG_LEVEL: 'silent',
    })
    const report = await fillDemo({ db: test.db, config, log: pino({ level: 'silent' }) })
    expect(report.records).toBe(360)
    const statuses = new Set(await test.db('rights_requests').pluck('status'))
    for (const status of [
      'received',
      'awaiting_clarification',
      'completed',
      'refused',
      'withdrawn',
      'unconfirmed',
      'unverified',
    ]) {
      expect(statuses).toContain(status)
    }
    const studies = studiesRepo(test.db)
    const records = recordsRepo(test.db)
    const today = londonDate(new Date())
    const states = new Set<string>()
    for (const study of await studies.listAll()) {
      const rows = await test.db('email_records').where({ study_id: study.id }).pluck('id')
      for (const id of rows.slice(0, 120)) {
        const record = await records.findById(id as string)
        if (!record) continue
        states.add(
          retentionStateAt(
            record.facts,
            {
              surveyClosesOn: study.surveyClosesOn,
              platformMonthsAfterClose: study.platformRetentionMonths,
              voucherMonthsAfterSent: study.voucherRetentionMonths,
            },
            today,
          ).state,
        )
      }
    }
    expect([...states].sort()).toEqual(['active', 'due_for_deletion', 'erased', 'restricted', 'retained'])
    await expect(fillDemo({ db: test.db, config, log: pino({ level: 'silent' }) })).rejects.toThrow(
      'empty database',
    )
  }, 60_000)
})
