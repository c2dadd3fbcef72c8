import type { RequestType } from './request-types.js'

export const lawfulBases = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interests',
  'recognised_legitimate_interests',
] as const

export type LawfulBasis = (typeof lawfulBases)[number]

export const lawfulBasisLabels: Record<LawfulBasis, string> = {
  consent: 'Consent',
  contract: 'Contract',
  legal_obligation: 'Legal obligation',
  vital_interests: 'Vital interests',
  public_task: 'Public task',
  legitimate_interests: 'Legitimate interests',
  recognised_legitimate_interests: 'Recognised legitimate interests (Art. 6(1)(ea))',
}

/**
 * The conditions of Art. 9(2) for processing special category data; a special category row of
 * the data map names one beside its lawful basis.
 */
export const specialCategoryConditions = {
  explicit_consent: 'Explicit consent (Art. 9(2)(a))',
  employment: 'Employment, social security and social protection law (Art. 9(2)(b))',
  vital_interests: 'Vital interests (Art. 9(2)(c))',
  not_for_profit: 'Not-for-profit bodies (Art. 9(2)(d))',
  made_public: 'Made public by the person (Art. 9(2)(e))',
  legal_claims: 'Legal claims or judicial acts (Art. 9(2)(f))',
  substantial_public_interest: 'Reasons of substantial public interest (Art. 9(2)(g))',
  health_social_care: 'Health or social care (Art. 9(2)(h))',
  public_health: 'Public health (Art. 9(2)(i))',
  archiving_research: 'Archiving, research and statistics (Art. 9(2)(j))',
} as const

export type SpecialCategoryCondition = keyof typeof specialCategoryConditions

export function isSpecialCategoryCondition(value: unknown): value is SpecialCategoryCondition {
  return typeof value === 'string' && Object.hasOwn(specialCategoryConditions, value)
}

/** The bases a person can object to processing on (Art. 21(1)). */
export const objectableBases: readonly LawfulBasis[] = [
  'public_task',
  'legitimate_interests',
  'recognised_legitimate_interests',
]

/** One row of a study's data map. */
export interface DataCategory {
  key: string
  label: string
  purpose: string
  lawfulBasis: LawfulBasis
  specialCategory: boolean
  /** For special category data, the Art. 9(2) condition relied on; null otherwise. */
  specialCategoryCondition?: SpecialCategoryCondition | null
  heldIn: string
  retentionRule: string
  linkedAfterExtraction: boolean
}

export interface Choice {
  value: string
  label: string
  hint?: string
}

/** Objection always includes direct marketing: Art. 21(3) makes it absolute whatever the basis. */
export const directMarketingChoice: Choice = {
  value: 'direct_marketing',
  label: 'Direct marketing, including profiling for it',
  hint: 'An objection to direct marketing is always upheld.',
}

/** Processing a person can object to: what rests on public task or (recognised) legitimate interests (Art. 21(1)). */
export function objectionChoices(categories: DataCategory[]): Choice[] {
  const byPurpose = new Map<string, DataCategory[]>()
  for (const category of categories) {
    if (!objectableBases.includes(category.lawfulBasis)) continue
    byPurpose.set(category.purpose, [...(byPurpose.get(category.purpose) ?? []), category])
  }
  const choices = [...byPurpose.values()].map((group) => {
    const first = group[0] as DataCategory
    return {
      value: `purpose:${first.key}`,
      label: first.purpose,
      hint: `Uses your ${listLabels(group)}.`,
    }
  })
  return [...choices, directMarketingChoice]
}

/** Consents a person can withdraw (Art. 7(3)). */
export function consentChoices(categories: DataCategory[]): Choice[] {
  return categories
    .filter((category) => category.lawfulBasis === 'consent')
    .map((category) => ({ value: category.key, label: category.label, hint: category.purpose }))
}

/** Data in scope of portability: provided by the person under consent or contract (Art. 20(1)). */
export function portableCategories(categories: DataCategory[]): DataCategory[] {
  return categories.filter((c) => c.lawfulBasis === 'consent' || c.lawfulBasis === 'contract')
}

/** One sentence, for the home page, on what a right reaches in this study's data. */
export function whatTheRightCovers(type: RequestType, categories: DataCategory[]): string {
  switch (type) {
    case 'access':
      return `For this study we may hold your ${listLabels(categories)}.`
    case 'rectification':
    case 'erasure':
    case 'restriction': {
      const linked = categories.filter((c) => c.linkedAfterExtraction || c.key === 'email')
      const anonymised = categories.filter((c) => !c.linkedAfterExtraction && c.key !== 'email')
      const parts = [`This covers your ${listLabels(linked)}`]
      if (anonymised.length > 0) {
        parts.push(
          `; your ${listLabels(anonymised)} can be linked to you only until they are anonymised on extraction from the survey platform`,
        )
      }
      return `${parts.join('')}.`
    }
    case 'objection': {
      const choices = objectionChoices(categories).filter((c) => c !== directMarketingChoice)
      return choices.length > 0
        ? `For this study you can object to our processing ${choices.map((c) => lowerFirst(stripFullStop(c.label))).join('; ')}.`
        : 'Nothing in this study relies on legitimate interests or public task.'
    }
    case 'portability':
    case 'withdraw_consent': {
      const scope = type === 'portability' ? portableCategories(categories) : consentChoices(categories)
      return scope.length > 0
        ? `For this study this covers your ${listLabels(scope)}.`
        : 'Nothing in this study relies on your consent.'
    }
  }
}

function listLabels(items: { label: string }[]): string {
  const labels = items.map((item) => item.label.toLowerCase())
  if (labels.length <= 1) return labels.join('')
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1) ?? ''}`
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

function stripFullStop(text: string): string {
  return text.replace(/\.$/, '')
}
