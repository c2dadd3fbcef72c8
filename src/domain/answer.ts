import { addDays, formatLongDate, type IsoDate } from './clock.js'
import {
  lawfulBasisLabels,
  portableCategories,
  specialCategoryConditions,
  type DataCategory,
} from './data-map.js'
import type { Holding, HoldingKey, RetentionView } from './retention.js'
import type { DataCondition } from './rights.js'

/**
 * The answers an access (Art. 15) or portability (Art. 20) request produces, built from the email
 * record's retention state and the study's data map. Pure: the same inputs give the same answer,
 * so the answer the person downloads can be explained from the evidence on the case.
 */

/** How long a published answer can be downloaded. */
export const downloadDays = 30

export function downloadExpiresOn(publishedOn: IsoDate): IsoDate {
  return addDays(publishedOn, downloadDays)
}

/**
 * What is left of one category of data for this person. `not_held`, `deletion_requested` and
 * `deleted` come from a holding of the record that exists only for some people (the voucher
 * correspondence): none yet, its deletion asked for but not confirmed, or deleted.
 */
export type CategoryHeld =
  'held' | 'not_held' | 'deletion_requested' | 'deleted' | 'anonymised' | 'erased' | 'no_record'

export interface AnswerStudy {
  title: string
  controllerName: string
  controllerAddress: string
  dpoEmail: string
  privacyNoticeDate: IsoDate
  /** Recipients named by the study, one per line; empty when the study names none. */
  recipients: string
  internationalTransfers: string
}

export interface AnswerRecord {
  email: string | null
  participatedOn: IsoDate | null
  voucherSentOn: IsoDate | null
  extractedOn: IsoDate | null
  erasedOn: IsoDate | null
  consentWithdrawnOn: IsoDate | null
  restrictionSince: IsoDate | null
  view: RetentionView
}

export interface AnswerInput {
  reference: string
  generatedOn: IsoDate
  study: AnswerStudy
  dataMap: DataCategory[]
  /** Null when no email record of the address was found. */
  record: AnswerRecord | null
  /** Names of the files the DPO attached (copies from the survey platform, say). */
  attachments: string[]
  /** Where the DPO searched for the person's data for this request (Art. 15(1A)). */
  searches?: AnswerSearch[]
  /** The person's requests to us in this study, with their letters: personal data too. */
  requestsToUs?: AnswerRequestRecord[]
}

export interface AnswerSearch {
  place: string
  searchedOn: IsoDate
  found: string
  limit: string | null
}

export interface AnswerRequestRecord {
  reference: string
  request: string
  receivedOn: IsoDate
  status: string
  outcome: string | null
  closedOn: IsoDate | null
  letters: { on: IsoDate; from: 'us' | 'you'; subject: string | null }[]
}

/**
 * What is left of a category for this person. The address is what links everything else to them:
 * once it is erased, the rest (still on the platform or in the archive) can no longer be linked.
 */
export function categoryHeld(category: DataCategory, record: AnswerRecord | null): CategoryHeld {
  if (!record) return 'no_record'
  if (category.key === voucherCorrespondenceKey) return voucherCorrespondenceHeld(record)
  if (category.key === 'email') return record.view.state === 'erased' ? 'erased' : 'held'
  if (record.view.state === 'erased') return 'anonymised'
  if (category.linkedAfterExtraction || record.view.answersLinked) return 'held'
  return 'anonymised'
}

/** A data-map category with this key is the record's voucher correspondence, in whatever study. */
export const voucherCorrespondenceKey = 'voucher_correspondence' satisfies HoldingKey

const voucherHoldingOf = (record: AnswerRecord): Holding | undefined =>
  record.view.holdings.find((h) => h.key === voucherCorrespondenceKey)

/**
 * What is left of the voucher correspondence, as the record's holding of it says
 * (src/domain/retention.ts): nothing before a voucher is sent; held until it is deleted, even once
 * due; then deleted, or its deletion requested while nobody has confirmed it; erased with the
 * record, except a copy whose deletion is still unconfirmed.
 */
export function voucherCorrespondenceHeld(record: AnswerRecord | null): CategoryHeld {
  if (!record) return 'no_record'
  if (!record.voucherSentOn) return 'not_held'
  const holding = voucherHoldingOf(record)
  if (holding?.status === 'deletion_requested') return 'deletion_requested'
  if (record.view.state === 'erased') return 'erased'
  if (!holding) return 'not_held'
  return holding.status === 'deleted' ? 'deleted' : 'held'
}

/** An attachment is a copy of the voucher correspondence when its name says so. */
export const isVoucherCorrespondenceCopy = (filename: string): boolean => /voucher/i.test(filename)

/** The condition the rights rules take (src/domain/rights.ts) for what is left of a category. */
export function dataConditionOf(held: CategoryHeld): DataCondition {
  // Until its deletion is confirmed, the copy may still be there for a right to reach. Nothing
  // held yet is neither deleted nor a missing record: the law for the category is what stands.
  if (held === 'held' || held === 'deletion_requested' || held === 'not_held') return 'linked'
  if (held === 'anonymised') return 'anonymised'
  if (held === 'no_record') return 'no_record'
  return 'erased'
}

const heldExplanation: Record<CategoryHeld, string> = {
  held: 'We hold this and can link it to your email address.',
  not_held: 'We hold none of this about you.',
  deletion_requested: 'We have asked for this to be deleted; that it is gone has not been confirmed yet.',
  deleted: 'We have deleted this.',
  anonymised:
    'This can no longer be linked to you: it was separated from your email address, when the survey data was extracted from the survey platform or when we deleted your address. It is not personal data about you any more (Article 11(2)).',
  erased: 'We have deleted your email address, so nothing can be linked to you any more.',
  no_record: 'We found no record of your email address for this study.',
}

export interface AccessAnswer {
  kind: 'access'
  reference: string
  generatedOn: IsoDate
  controller: { name: string; address: string; dataProtectionOfficer: string }
  study: string
  summary: string
  emailRecord: {
    emailAddress: string | null
    tookPartOn: IsoDate | null
    voucherSentOn: IsoDate | null
    surveyDataExtractedOn: IsoDate | null
    erasedOn: IsoDate | null
    retentionState: string
    retentionRule: string
    restrictedSince: IsoDate | null
    consentWithdrawnOn: IsoDate | null
    whereHeld: {
      where: string
      keptUntil: IsoDate
      deletedOn: IsoDate | null
      /** While its deletion there was asked for but nobody has confirmed it yet. */
      deletionRequestedOn?: IsoDate
    }[]
  } | null
  data: {
    category: string
    held: CategoryHeld
    explanation: string
    value: string | null
    purpose: string
    lawfulBasis: string
    specialCategory: boolean
    /** For special category data, the Art. 9(2) condition relied on. */
    specialCategoryCondition: string | null
    whereHeld: string
    retention: string
  }[]
  recipients: string[]
  /** Transfers outside the UK and their safeguards (Art. 15(2)), when the study states them. */
  internationalTransfers: string | null
  source: string
  automatedDecisions: string
  rights: string[]
  complaints: string
  attachments: string[]
  /** The searches made for this answer, in plain words, and any limit with its reason. */
  searches: { place: string; searchedOn: IsoDate; found: string; limit: string | null; sentence: string }[]
  /** What the portal itself keeps about the person's requests. */
  requestsToUs: AnswerRequestRecord[]
}

/** One search in plain words: "Survey platform, searched on 3 December 2026. What we found: …". */
export function searchSentence(search: AnswerSearch): string {
  const found = search.found.trim().replace(/\.$/, '')
  const limit = search.limit?.trim().replace(/\.$/, '')
  return `${search.place.trim()}, searched on ${formatLongDate(search.searchedOn)}. What we found: ${found}.${limit ? ` How we limited the search, and why: ${limit}.` : ''}`
}

export const rightsStatement = [
  'To ask us to correct data that is wrong or incomplete (Article 16).',
  'To ask us to delete your data (Article 17).',
  'To ask us to limit how we use your data (Article 18).',
  'To object to how we use your data (Article 21), and at any time to direct marketing.',
  'To have the data you gave us with your consent in a reusable format (Article 20).',
  'To withdraw your consent at any time, where we rely on it (Article 7(3)).',
]

export const complaintsStatement =
  "You can complain to the Information Commissioner's Office (ICO): https://ico.org.uk/make-a-complaint/ or 0303 123 1113."

export const noAutomatedDecisions =
  'We do not make any decisions about you by automated means, and we do not profile you (Article 22).'

function summaryOf(input: AnswerInput): string {
  const { record } = input
  if (!record)
    return `We found no record of your email address for ${input.study.title}. We hold no personal data about you for this study.`
  if (record.view.state === 'erased' && record.erasedOn) {
    return `We deleted your email address on ${formatLongDate(record.erasedOn)}. We keep only a one-way code of it, so that we can tell you this; it cannot be turned back into your address.`
  }
  const anonymised = !record.view.answersLinked
  return anonymised
    ? `We hold your email address. Your survey answers were anonymised on ${record.extractedOn ? formatLongDate(record.extractedOn) : 'extraction'} and can no longer be linked to you.`
    : 'We hold your email address, and your survey answers can still be linked to it on the survey platform.'
}

export function buildAccessAnswer(input: AnswerInput): AccessAnswer {
  const { record, study } = input
  const hasCopy = input.attachments.length > 0
  return {
    kind: 'access',
    reference: input.reference,
    generatedOn: input.generatedOn,
    controller: {
      name: study.controllerName,
      address: study.controllerAddress,
      dataProtectionOfficer: study.dpoEmail,
    },
    study: study.title,
    summary: summaryOf(input),
    emailRecord: record
      ? {
          emailAddress: record.view.state === 'erased' ? null : record.email,
          tookPartOn: record.participatedOn,
          voucherSentOn: record.voucherSentOn,
          surveyDataExtractedOn: record.extractedOn,
          erasedOn: record.erasedOn,
          retentionState: record.view.state,
          retentionRule: record.view.rule,
          restrictedSince: record.restrictionSince,
          consentWithdrawnOn: record.consentWithdrawnOn,
          whereHeld: record.view.holdings.map((h) => ({
            where: h.label,
            keptUntil: h.keepUntil,
            deletedOn: h.deletedOn,
            ...(h.status === 'deletion_requested' && h.requestedOn
              ? { deletionRequestedOn: h.requestedOn }
              : {}),
          })),
        }
      : null,
    data: input.dataMap.map((category) => {
      const held = categoryHeld(category, record)
      let shown: { explanation: string; value: string | null } = {
        explanation: heldExplanation[held],
        value: null,
      }
      if (category.key === voucherCorrespondenceKey && record) {
        shown = voucherCorrespondenceAnswer(record, held, input.attachments)
      } else if (held === 'held') {
        if (category.key === 'email') shown.value = record?.email ?? null
        else shown.value = hasCopy ? 'See the attached copy from the survey platform.' : null
      }
      return {
        category: category.label,
        held,
        explanation: shown.explanation,
        value: shown.value,
        purpose: category.purpose,
        lawfulBasis: lawfulBasisLabels[category.lawfulBasis],
        specialCategory: category.specialCategory,
        specialCategoryCondition:
          category.specialCategory && category.specialCategoryCondition
            ? specialCategoryConditions[category.specialCategoryCondition]
            : null,
        whereHeld: category.heldIn,
        retention: category.retentionRule,
      }
    }),
    recipients: recipientsOf(input),
    internationalTransfers: study.internationalTransfers.trim() || null,
    source: record?.participatedOn
      ? `You gave us this data when you took part in the survey on ${formatLongDate(record.participatedOn)}.`
      : 'You gave us this data when you took part in the survey.',
    automatedDecisions: noAutomatedDecisions,
    rights: rightsStatement,
    complaints: complaintsStatement,
    attachments: input.attachments,
    searches: (input.searches ?? []).map((search) => ({ ...search, sentence: searchSentence(search) })),
    requestsToUs: input.requestsToUs ?? [],
  }
}

/**
 * How the answer speaks of the voucher correspondence: a copy goes with the answer, attached when
 * the DPO attached one (a file named for it), otherwise taken from our mailbox and provided with it.
 */
export function voucherCorrespondenceAnswer(
  record: AnswerRecord,
  held: CategoryHeld,
  attachments: string[],
): { explanation: string; value: string | null } {
  const holding = voucherHoldingOf(record)
  switch (held) {
    case 'held': {
      const copies = attachments.filter(isVoucherCorrespondenceCopy)
      return {
        explanation: heldExplanation.held,
        value:
          copies.length > 0
            ? `See the attached copy: ${copies.join(', ')}.`
            : 'Held in our mailbox for voucher correspondence. We provide a copy of it with this answer.',
      }
    }
    case 'not_held':
      return {
        explanation: 'We have not sent you a voucher, so we hold no correspondence with you about one.',
        value: null,
      }
    case 'deletion_requested':
      return {
        explanation: holding?.requestedOn
          ? `We asked for it to be deleted on ${formatLongDate(holding.requestedOn)}; that it is gone has not been confirmed yet.`
          : heldExplanation.deletion_requested,
        value: null,
      }
    case 'deleted':
      return {
        explanation: holding?.deletedOn
          ? `We deleted it on ${formatLongDate(holding.deletedOn)}.`
          : heldExplanation.deleted,
        value: null,
      }
    default:
      return { explanation: heldExplanation[held], value: null }
  }
}

/** The study's recipients; without any, where each category is held says who has it. */
function recipientsOf(input: AnswerInput): string[] {
  const named = input.study.recipients
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  return named.length > 0 ? named : [...new Set(input.dataMap.map((c) => c.heldIn))]
}

export interface PortabilityAnswer {
  kind: 'portability'
  reference: string
  generatedOn: IsoDate
  controller: string
  study: string
  data: {
    key: string
    category: string
    value: string | null
    lawfulBasis: string
    providedOn: IsoDate | null
  }[]
  outOfScope: { category: string; reason: string; article: string }[]
}

/**
 * Portability reaches only data the person provided on consent or a contract (Art. 20(1)) that can
 * still be linked to them. Values come from the survey platform: the DPO copies them in.
 */
export function buildPortabilityAnswer(
  input: AnswerInput,
  values: Record<string, string>,
): PortabilityAnswer {
  const portable = new Set(portableCategories(input.dataMap).map((c) => c.key))
  const data: PortabilityAnswer['data'] = []
  const outOfScope: PortabilityAnswer['outOfScope'] = []
  for (const category of input.dataMap) {
    const held = categoryHeld(category, input.record)
    if (!portable.has(category.key)) {
      outOfScope.push({
        category: category.label,
        reason: `We use it on the basis of ${lawfulBasisLabels[category.lawfulBasis].toLowerCase()}; portability covers only data you gave us with your consent or under a contract.`,
        article: category.lawfulBasis === 'public_task' ? 'Article 20(3)' : 'Article 20(1)',
      })
    } else if (held !== 'held') {
      outOfScope.push({
        category: category.label,
        reason: heldExplanation[held],
        article: held === 'anonymised' ? 'Article 11(2)' : 'Article 20(1)',
      })
    } else {
      const value = values[category.key]?.trim()
      data.push({
        key: category.key,
        category: category.label,
        value: value === undefined || value === '' ? null : value,
        lawfulBasis: lawfulBasisLabels[category.lawfulBasis],
        providedOn: input.record?.participatedOn ?? null,
      })
    }
  }
  return {
    kind: 'portability',
    reference: input.reference,
    generatedOn: input.generatedOn,
    controller: input.study.controllerName,
    study: input.study.title,
    data,
    outOfScope,
  }
}

/** Categories whose values the DPO must copy in from the survey platform for a portability answer. */
export function portableValuesNeeded(dataMap: DataCategory[], record: AnswerRecord | null): DataCategory[] {
  return portableCategories(dataMap).filter((c) => categoryHeld(c, record) === 'held' && c.key !== 'email')
}

/** The rows of the portability CSV: a header, then one row per category provided. */
export function portabilityRows(answer: PortabilityAnswer): string[][] {
  return [
    ['category', 'label', 'value', 'lawful_basis', 'provided_on'],
    ...answer.data.map((d) => [d.key, d.category, d.value ?? '', d.lawfulBasis, d.providedOn ?? '']),
  ]
}
