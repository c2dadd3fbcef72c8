import { describe, expect, it } from 'vitest'
import { lawfulBases, type LawfulBasis } from '../../src/domain/data-map.js'
import { requestTypes, type RequestType } from '../../src/domain/request-types.js'
import { directMarketingObjection, rightForCategory } from '../../src/domain/rights.js'

type Expected = 'yes' | 'qualified' | 'no'

// SPEC §4: which rights reach which data, by lawful basis (ICO), while the data is linked.
const table: Record<RequestType, Record<LawfulBasis, Expected>> = {
  access: {
    consent: 'yes',
    contract: 'yes',
    legal_obligation: 'yes',
    vital_interests: 'yes',
    public_task: 'yes',
    legitimate_interests: 'yes',
    recognised_legitimate_interests: 'yes',
  },
  rectification: {
    consent: 'yes',
    contract: 'yes',
    legal_obligation: 'yes',
    vital_interests: 'yes',
    public_task: 'yes',
    legitimate_interests: 'yes',
    recognised_legitimate_interests: 'yes',
  },
  restriction: {
    consent: 'yes',
    contract: 'yes',
    legal_obligation: 'yes',
    vital_interests: 'yes',
    public_task: 'yes',
    legitimate_interests: 'yes',
    recognised_legitimate_interests: 'yes',
  },
  erasure: {
    consent: 'qualified',
    contract: 'qualified',
    legal_obligation: 'no',
    vital_interests: 'qualified',
    public_task: 'no',
    legitimate_interests: 'qualified',
    recognised_legitimate_interests: 'qualified',
  },
  portability: {
    consent: 'yes',
    contract: 'yes',
    legal_obligation: 'no',
    vital_interests: 'no',
    public_task: 'no',
    legitimate_interests: 'no',
    recognised_legitimate_interests: 'no',
  },
  objection: {
    consent: 'no',
    contract: 'no',
    legal_obligation: 'no',
    vital_interests: 'no',
    public_task: 'qualified',
    legitimate_interests: 'qualified',
    recognised_legitimate_interests: 'qualified',
  },
  withdraw_consent: {
    consent: 'yes',
    contract: 'no',
    legal_obligation: 'no',
    vital_interests: 'no',
    public_task: 'no',
    legitimate_interests: 'no',
    recognised_legitimate_interests: 'no',
  },
}

describe('rights by lawful basis, while the data is linked', () => {
  for (const type of requestTypes) {
    for (const basis of lawfulBases) {
      it(`${type} on ${basis}: ${table[type][basis]}`, () => {
        expect(rightForCategory(type, basis, 'linked').applies).toBe(table[type][basis])
      })
    }
  }

  it('treats recognised legitimate interests (Art. 6(1)(ea)) as open to objection, not to portability', () => {
    expect(rightForCategory('objection', 'recognised_legitimate_interests', 'linked')).toMatchObject({
      applies: 'qualified',
      article: 'Art. 21(1)',
    })
    expect(rightForCategory('portability', 'recognised_legitimate_interests', 'linked')).toMatchObject({
      applies: 'no',
      article: 'Art. 20(1)',
    })
    expect(rightForCategory('erasure', 'recognised_legitimate_interests', 'linked').applies).toBe('qualified')
  })

  it('says no record, never deleted, when no record of the person was found', () => {
    for (const type of requestTypes) {
      expect(rightForCategory(type, 'consent', 'no_record')).toMatchObject({
        applies: 'no_record',
        note: expect.stringContaining('No record'),
      })
    }
  })

  it('cites the articles that say so', () => {
    expect(rightForCategory('erasure', 'public_task', 'linked').article).toBe('Art. 17(3)(b)')
    expect(rightForCategory('portability', 'public_task', 'linked').article).toBe('Art. 20(3)')
    expect(rightForCategory('objection', 'legitimate_interests', 'linked').article).toBe('Art. 21(1)')
    expect(rightForCategory('objection', 'consent', 'linked')).toMatchObject({
      applies: 'no',
      note: expect.stringContaining('withdrawn'),
    })
  })
})

describe('rights once the data is anonymised or erased', () => {
  for (const type of requestTypes) {
    it(`${type}: anonymised data is not identifiable (Art. 11(2)), erased data is gone`, () => {
      expect(rightForCategory(type, 'public_task', 'anonymised')).toMatchObject({
        applies: 'not_identifiable',
        article: 'Art. 11(2)',
      })
      expect(rightForCategory(type, 'consent', 'erased').applies).toBe('gone')
    })
  }
  it('upholds a direct marketing objection whatever the basis', () => {
    expect(directMarketingObjection()).toMatchObject({ applies: 'yes', article: 'Art. 21(3)' })
  })
})
