/** The seven rights a person can exercise through the portal, in the order the home page lists them. */
export const requestTypes = [
  'access',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'portability',
  'withdraw_consent',
] as const

export type RequestType = (typeof requestTypes)[number]

export function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && (requestTypes as readonly string[]).includes(value)
}

export interface RequestTypeInfo {
  /** What the person picks: "Get a copy of your data". */
  label: string
  /** Used in tables and emails: "Access". */
  name: string
  article: string
  /** One line under the radio button. */
  hint: string
  /** A short plain-English paragraph for the home page. */
  explanation: string
}

export const requestTypeInfo: Record<RequestType, RequestTypeInfo> = {
  access: {
    label: 'Get a copy of your data',
    name: 'Access',
    article: 'Article 15',
    hint: 'Find out what we hold about you, why, where it came from and how long we keep it.',
    explanation:
      'You can ask what personal data we hold about you and get a copy of it, with why we use it, who we share it with and how long we keep it.',
  },
  rectification: {
    label: 'Correct your data',
    name: 'Rectification',
    article: 'Article 16',
    hint: 'Tell us what is wrong or incomplete and what it should say.',
    explanation: 'If something we hold about you is wrong or incomplete, you can ask us to correct it.',
  },
  erasure: {
    label: 'Delete your data',
    name: 'Erasure',
    article: 'Article 17',
    hint: 'Ask us to delete your email address and any other data we can link to you.',
    explanation:
      'You can ask us to delete your personal data. Some data used for research in the public interest may be kept where deleting it would seriously harm the research.',
  },
  restriction: {
    label: 'Limit how we use your data',
    name: 'Restriction',
    article: 'Article 18',
    hint: 'Ask us to keep your data but stop using it, for example while you contest its accuracy.',
    explanation:
      'You can ask us to keep your data but not use it, for example while we check whether it is accurate, or because you need it kept for a legal claim.',
  },
  objection: {
    label: 'Object to how we use your data',
    name: 'Objection',
    article: 'Article 21',
    hint: 'Object to our use of your data for our legitimate interests, our public task or direct marketing.',
    explanation:
      'You can object to us using your data for our legitimate interests or our public task. We must stop unless we have compelling grounds. An objection to direct marketing is always upheld.',
  },
  portability: {
    label: 'Get your data in a reusable format',
    name: 'Portability',
    article: 'Article 20',
    hint: 'Get the data you gave us with your consent as a machine-readable file.',
    explanation:
      'You can get the data you gave us with your consent, or under a contract, in a machine-readable file (JSON and CSV) to reuse elsewhere.',
  },
  withdraw_consent: {
    label: 'Withdraw your consent',
    name: 'Withdrawal of consent',
    article: 'Article 7(3)',
    hint: 'Stop us using data you gave with your consent, such as your ethnicity.',
    explanation:
      'Where we use your data because you consented, you can withdraw that consent at any time and we will stop using it.',
  },
}

/** Article 18(1) grounds for restriction, as the person reads them. */
export const restrictionGrounds = {
  accuracy: {
    label: 'You think the data is not accurate',
    hint: 'We restrict it while we check. Article 18(1)(a).',
    article: 'Article 18(1)(a)',
  },
  unlawful: {
    label: 'You think we used it unlawfully, but you do not want it deleted',
    hint: 'Article 18(1)(b).',
    article: 'Article 18(1)(b)',
  },
  legal_claims: {
    label: 'We no longer need it, but you need it kept for a legal claim',
    hint: 'Article 18(1)(c).',
    article: 'Article 18(1)(c)',
  },
  objection_pending: {
    label: 'You have objected and are waiting for our decision',
    hint: 'Article 18(1)(d).',
    article: 'Article 18(1)(d)',
  },
} as const

export type RestrictionGround = keyof typeof restrictionGrounds

export function isRestrictionGround(value: unknown): value is RestrictionGround {
  return typeof value === 'string' && Object.hasOwn(restrictionGrounds, value)
}

/** What a request asks for, by type; stored as JSON on the request. */
export type RequestDetails =
  | { type: 'access'; description?: string }
  | { type: 'portability'; description?: string }
  | {
      type: 'rectification'
      inaccurate: string
      correction: string
      /** The data-map categories the person says are wrong or incomplete. */
      categories?: string[]
      /** A supplementary statement for incomplete data, to keep with the record (Art. 16). */
      statement?: string
      askRecipients?: boolean
    }
  | { type: 'erasure'; reason?: string; askRecipients?: boolean }
  | { type: 'restriction'; ground: RestrictionGround; description?: string; askRecipients?: boolean }
  | { type: 'objection'; processing: string; description?: string }
  | { type: 'withdraw_consent'; consent: string; description?: string }

/** The free text of a request, as label/value pairs for pages and letters. */
export function describeDetails(
  details: RequestDetails,
  optionLabel: (field: string, value: string) => string,
): { label: string; value: string }[] {
  const rows: { label: string; value: string }[] = []
  const add = (label: string, value: string | undefined) => {
    if (value) rows.push({ label, value })
  }
  switch (details.type) {
    case 'access':
    case 'portability':
      add('What you asked for', details.description)
      break
    case 'rectification':
      add(
        'Data that is wrong or incomplete',
        details.categories?.map((c) => optionLabel('category', c)).join(', '),
      )
      add('What is wrong', details.inaccurate)
      add('What it should say', details.correction)
      add('Supplementary statement', details.statement)
      break
    case 'erasure':
      add('Why you want it deleted', details.reason)
      break
    case 'restriction':
      add('Reason', restrictionGrounds[details.ground].label)
      add('More detail', details.description)
      break
    case 'objection':
      add('What you object to', optionLabel('processing', details.processing))
      add('Your reasons', details.description)
      break
    case 'withdraw_consent':
      add('Consent you withdraw', optionLabel('consent', details.consent))
      add('More detail', details.description)
      break
  }
  if ('askRecipients' in details && details.askRecipients) {
    add('Who we told', 'You asked us to tell you who we shared your data with, and whether we told them')
  }
  return rows
}

/** The rights after which the person may ask whom we told (Art. 19). */
export function asksRecipients(details: RequestDetails | null): boolean {
  return details !== null && 'askRecipients' in details && details.askRecipients === true
}

/** The categories a rectification names, or null for one made before requests could name them. */
export function namedCategories(details: RequestDetails | null): string[] | null {
  return details?.type === 'rectification' && details.categories ? details.categories : null
}
