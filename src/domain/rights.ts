import { objectableBases, type LawfulBasis } from './data-map.js'
import type { RequestType } from './request-types.js'

/**
 * Whether a right reaches a category of data, from its lawful basis (the ICO table in SPEC §4) and
 * what is left of the data: anonymised data is no longer personal data the organisation can
 * identify (Art. 11(2)), and erased data is gone.
 */
export type RightOutcome =
  | { applies: 'yes'; article: string; note?: string }
  | { applies: 'qualified'; article: string; note: string }
  | { applies: 'no'; article: string; note: string }
  | { applies: 'not_identifiable'; article: 'Art. 11(2)'; note: string }
  | { applies: 'gone'; article: string; note: string }
  | { applies: 'no_record'; article: string; note: string }

/** What is left of a category for the person; `no_record` when no record of them was ever found. */
export type DataCondition = 'linked' | 'anonymised' | 'erased' | 'no_record'

const articleOf: Record<RequestType, string> = {
  access: 'Art. 15',
  rectification: 'Art. 16',
  erasure: 'Art. 17',
  restriction: 'Art. 18',
  objection: 'Art. 21',
  portability: 'Art. 20',
  withdraw_consent: 'Art. 7(3)',
}

function byBasis(type: RequestType, basis: LawfulBasis): RightOutcome {
  const article = articleOf[type]
  switch (type) {
    case 'access':
    case 'rectification':
    case 'restriction':
      return { applies: 'yes', article }
    case 'erasure':
      if (basis === 'legal_obligation') {
        return { applies: 'no', article: 'Art. 17(3)(b)', note: 'Kept to comply with a legal obligation.' }
      }
      if (basis === 'public_task') {
        return {
          applies: 'no',
          article: 'Art. 17(3)(b)',
          note: 'Processed for a task in the public interest.',
        }
      }
      return {
        applies: 'qualified',
        article,
        note: 'May be refused where erasure would seriously impair research (Art. 17(3)(d)) or the data is needed for legal claims (Art. 17(3)(e)).',
      }
    case 'portability':
      if (basis === 'consent' || basis === 'contract') {
        return { applies: 'yes', article, note: 'Data the person provided, processed by automated means.' }
      }
      return {
        applies: 'no',
        article: basis === 'public_task' ? 'Art. 20(3)' : 'Art. 20(1)',
        note: 'Portability covers only data processed on consent or a contract.',
      }
    case 'objection':
      if (objectableBases.includes(basis)) {
        return {
          applies: 'qualified',
          article: 'Art. 21(1)',
          note: 'Processing stops unless there are compelling legitimate grounds that override the person’s interests.',
        }
      }
      return {
        applies: 'no',
        article: 'Art. 21(1)',
        note:
          basis === 'consent'
            ? 'Processing on consent cannot be objected to; the consent can be withdrawn instead.'
            : 'Objection covers only processing for a public task or for legitimate interests, recognised or not.',
      }
    case 'withdraw_consent':
      return basis === 'consent'
        ? { applies: 'yes', article }
        : { applies: 'no', article, note: 'This data is not processed on consent.' }
  }
}

export function rightForCategory(
  type: RequestType,
  basis: LawfulBasis,
  condition: DataCondition,
): RightOutcome {
  if (condition === 'no_record') {
    return {
      applies: 'no_record',
      article: articleOf[type],
      note: 'No record of this person was found, so nothing is held to act on.',
    }
  }
  if (condition === 'erased') {
    return { applies: 'gone', article: articleOf[type], note: 'The data has been deleted.' }
  }
  if (condition === 'anonymised') {
    return {
      applies: 'not_identifiable',
      article: 'Art. 11(2)',
      note: 'The data is anonymised and can no longer be linked to the person, so this right does not apply to it.',
    }
  }
  return byBasis(type, basis)
}

/** Direct marketing objections are absolute, whatever the basis (Art. 21(3)). */
export function directMarketingObjection(): RightOutcome {
  return { applies: 'yes', article: 'Art. 21(3)', note: 'An objection to direct marketing is absolute.' }
}
