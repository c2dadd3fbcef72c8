import { describe, expect, it } from 'vitest'
import { theStudyName } from '../../src/domain/study-name.js'

describe('theStudyName', () => {
  it('adds "study" to a title that does not say it', () => {
    expect(theStudyName('Wellbeing Survey 2026')).toBe('the Wellbeing Survey 2026 study')
  })

  it('does not double "study" when the title ends with it, in any capitals', () => {
    expect(theStudyName('Increasing Diversity in Social Work Management – Online Studies')).toBe(
      'the Increasing Diversity in Social Work Management – Online Studies',
    )
    expect(theStudyName('Teacher Retention Study')).toBe('the Teacher Retention Study')
    expect(theStudyName('  Pilot Studies ')).toBe('the Pilot Studies')
  })

  it('adds "study" when the word is only part of another word or not at the end', () => {
    expect(theStudyName('Understudy Voices')).toBe('the Understudy Voices study')
    expect(theStudyName('Studies of Care Leavers')).toBe('the Studies of Care Leavers study')
    expect(theStudyName('Casestudy')).toBe('the Casestudy study')
  })
})
