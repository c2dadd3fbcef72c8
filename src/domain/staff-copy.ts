import { requestTypeInfo, type RequestType, type RestrictionGround } from './request-types.js'

/** "a" or "an" before a word, by how it sounds: "an access request", "a restriction request". */
export function indefiniteArticle(word: string): 'a' | 'an' {
  return /^[aeiou]/i.test(word.trim()) ? 'an' : 'a'
}

/** What a request of the type is called in a sentence: "access request", "withdrawal of consent request". */
export function requestPhrase(type: RequestType): string {
  return `${requestTypeInfo[type].name.toLowerCase()} request`
}

/** The staff log form's title: "Log an access request", "Log a rectification request". */
export function logRequestTitle(type: RequestType): string {
  const phrase = requestPhrase(type)
  return `Log ${indefiniteArticle(phrase)} ${phrase}`
}

/** The Article 18(1) grounds as staff read them, about the requester rather than to them. */
export const staffRestrictionLabels: Record<RestrictionGround, string> = {
  accuracy: 'They think the data is not accurate',
  unlawful: 'They think it was used unlawfully, but do not want it deleted',
  legal_claims: 'It is no longer needed, but they need it kept for a legal claim',
  objection_pending: 'They have objected and are waiting for the decision',
}

/** A choice's hint from the study's data map ("Uses your ethnicity."), said about the requester. */
export function staffChoiceHint(hint: string | undefined): string | undefined {
  return hint?.replace(/\byour\b/g, 'their').replace(/\bYour\b/g, 'Their')
}
