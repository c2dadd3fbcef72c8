import type { RequestType } from './request-types.js'

/**
 * Why a request may be refused. Each ground reaches only the rights the law applies it to; each
 * refusal names its ground in the letter, and the DPO gives the reasons for this case.
 */
export const refusalGrounds = {
  manifestly_unfounded: 'Manifestly unfounded (Art. 12(5))',
  manifestly_excessive: 'Manifestly excessive (Art. 12(5))',
  not_inaccurate: 'The data is accurate, so there is nothing to correct (Art. 16)',
  compelling_grounds:
    'Compelling legitimate grounds for the processing override the person’s interests (Art. 21(1))',
  public_interest_research: 'Research necessary for a task in the public interest (Art. 21(6))',
  research_statistics:
    'Research and statistics exemption (Data Protection Act 2018, Schedule 2, paragraph 27)',
  archiving:
    'Archiving in the public interest exemption (Data Protection Act 2018, Schedule 2, paragraph 28)',
  exemption: 'Another exemption applies (Data Protection Act 2018, Schedules 2 to 4)',
  freedom_of_expression: 'Freedom of expression and information (Art. 17(3)(a))',
  legal_obligation_or_public_task: 'A legal obligation, or a task in the public interest (Art. 17(3)(b))',
  public_health: 'Public health (Art. 17(3)(c))',
  research_exemption: 'Research: erasure would seriously impair it (Art. 17(3)(d))',
  legal_claims: 'Needed for legal claims (Art. 17(3)(e))',
} as const

export type RefusalGround = keyof typeof refusalGrounds

const erasureOnly: RefusalGround[] = [
  'freedom_of_expression',
  'legal_obligation_or_public_task',
  'public_health',
  'research_exemption',
  'legal_claims',
]

/**
 * Which rights each ground reaches: Art. 17(3) only erasure; Art. 21(1) and 21(6) only objection;
 * the research exemption (DPA 2018 Sch. 2 para 27) Arts 15, 16, 18 and 21; archiving (para 28)
 * those and Art. 20. Consent can always be withdrawn, so nothing but Art. 12(5) refuses that.
 */
const reach: Partial<Record<RefusalGround, RequestType[]>> = {
  ...Object.fromEntries(erasureOnly.map((g) => [g, ['erasure']])),
  not_inaccurate: ['rectification'],
  compelling_grounds: ['objection'],
  public_interest_research: ['objection'],
  research_statistics: ['access', 'rectification', 'restriction', 'objection'],
  archiving: ['access', 'rectification', 'restriction', 'objection', 'portability'],
  exemption: ['access', 'rectification', 'erasure', 'restriction', 'objection', 'portability'],
}

/** The grounds that can be used to refuse a request of this type. */
export function refusalGroundsFor(type: RequestType): RefusalGround[] {
  return (Object.keys(refusalGrounds) as RefusalGround[]).filter((g) => reach[g]?.includes(type) ?? true)
}

/** Why a known ground cannot refuse this type of request, for the error on the form. */
export function groundMismatch(type: RequestType, ground: RefusalGround): string {
  if (erasureOnly.includes(ground)) return 'Article 17(3) exemptions apply only to erasure requests'
  if (ground === 'compelling_grounds' || ground === 'public_interest_research')
    return 'Article 21 grounds apply only to objections'
  return `This ground does not apply to a ${type.replace('_', ' ')} request`
}

export function isRefusalGroundFor(type: RequestType, ground: string): ground is RefusalGround {
  return (refusalGroundsFor(type) as string[]).includes(ground)
}

/** The sentence the portal puts in every refusal letter, naming the ground relied on. */
export function groundStatement(ground: RefusalGround): string {
  return `We are relying on this ground: ${refusalGrounds[ground]}.`
}

/** Text in square brackets is a reminder of what to write; a letter that still has it is unfinished. */
export function unfinishedReminder(letter: string): string | null {
  return /\[[^\]\n]{3,}\]/.exec(letter)?.[0] ?? null
}
