import type { RequestType } from './request-types.js'

/**
 * Why a request may be refused. The Art. 17(3) exemptions apply only to erasure; the rest to any
 * request. Each refusal names its ground in the letter, and the DPO gives the reasons.
 */
export const refusalGrounds = {
  manifestly_unfounded: 'Manifestly unfounded (Art. 12(5))',
  manifestly_excessive: 'Manifestly excessive (Art. 12(5))',
  exemption: 'An exemption applies (Data Protection Act 2018, Schedules 2 to 4)',
  freedom_of_expression: 'Freedom of expression and information (Art. 17(3)(a))',
  legal_obligation_or_public_task: 'A legal obligation, or a task in the public interest (Art. 17(3)(b))',
  public_health: 'Public health (Art. 17(3)(c))',
  research_exemption: 'Research: erasure would seriously impair it (Art. 17(3)(d))',
  legal_claims: 'Needed for legal claims (Art. 17(3)(e))',
} as const

export type RefusalGround = keyof typeof refusalGrounds

const erasureOnly = new Set<RefusalGround>([
  'freedom_of_expression',
  'legal_obligation_or_public_task',
  'public_health',
  'research_exemption',
  'legal_claims',
])

/** The grounds that can be used to refuse a request of this type. */
export function refusalGroundsFor(type: RequestType): RefusalGround[] {
  return (Object.keys(refusalGrounds) as RefusalGround[]).filter(
    (g) => type === 'erasure' || !erasureOnly.has(g),
  )
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
