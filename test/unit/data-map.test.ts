import { describe, expect, it } from 'vitest'
import {
  consentChoices,
  directMarketingChoice,
  objectionChoices,
  portableCategories,
  whatTheRightCovers,
  type DataCategory,
} from '../../src/domain/data-map.js'

const category = (
  key: string,
  lawfulBasis: DataCategory['lawfulBasis'],
  purpose = `Purpose of ${key}.`,
): DataCategory => ({
  key,
  label: key.charAt(0).toUpperCase() + key.slice(1),
  purpose,
  lawfulBasis,
  specialCategory: false,
  heldIn: 'somewhere',
  retentionRule: 'a while',
  linkedAfterExtraction: false,
})

const seedLike = [
  category('email', 'legitimate_interests', 'To send the voucher.'),
  category('occupation', 'public_task', 'Research.'),
  category('answers', 'public_task', 'Research.'),
  category('ethnicity', 'consent', 'Demographic analysis.'),
]

describe('the data map', () => {
  it('offers objection to each legitimate-interest or public-task purpose, plus direct marketing', () => {
    const choices = objectionChoices(seedLike)
    expect(choices.map((c) => c.label)).toEqual([
      'To send the voucher.',
      'Research.',
      directMarketingChoice.label,
    ])
    expect(choices[1]?.hint).toBe('Uses your occupation and answers.')
  })

  it('offers withdrawal of each consent-based category only', () => {
    expect(consentChoices(seedLike).map((c) => c.value)).toEqual(['ethnicity'])
    expect(consentChoices([category('email', 'contract')])).toEqual([])
  })

  it('scopes portability to consent and contract data', () => {
    const map = [...seedLike, category('order', 'contract'), category('tax', 'legal_obligation')]
    expect(portableCategories(map).map((c) => c.key)).toEqual(['ethnicity', 'order'])
  })

  it('says plainly when a right has nothing to act on in a study', () => {
    expect(whatTheRightCovers('withdraw_consent', [category('email', 'legitimate_interests')])).toBe(
      'Nothing in this study relies on your consent.',
    )
    expect(whatTheRightCovers('portability', seedLike)).toBe('For this study this covers your ethnicity.')
    expect(whatTheRightCovers('objection', seedLike)).toBe(
      'For this study you can object to our processing to send the voucher; research.',
    )
  })
})
