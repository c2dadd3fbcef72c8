import { describe, expect, it } from 'vitest'
import { migrateLatest, migrateRollbackAll } from '../../src/db/migrate.js'
import { freshDb } from '../helpers/db.js'

describe('migrations', () => {
  it('run up, down and up again, seeding the first study each time', async () => {
    const { db, destroy } = await freshDb({ migrate: false })
    try {
      const applied = await migrateLatest(db)
      expect(applied.length).toBeGreaterThanOrEqual(9)
      expect(await db('studies').pluck('slug')).toEqual(['increasing-diversity-in-social-work-management'])
      expect(await db('study_data_categories').count({ n: '*' })).toEqual([{ n: expect.anything() }])
      await migrateRollbackAll(db)
      expect(await db.schema.hasTable('rights_requests')).toBe(false)
      expect(await db.schema.hasTable('studies')).toBe(false)
      expect(await migrateLatest(db)).toEqual(applied)
      expect(await db.schema.hasColumn('rights_requests', 'assignee_id')).toBe(true)
      expect(await migrateLatest(db)).toEqual([])
    } finally {
      await destroy()
    }
  })
})
