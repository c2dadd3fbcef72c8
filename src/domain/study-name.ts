/**
 * A study's title as it reads in a sentence: "the Wellbeing Survey study", but "the Increasing
 * Diversity in Social Work Management – Online Studies", whose title already says what it is.
 */
export function theStudyName(title: string): string {
  const name = title.trim()
  return /\b(study|studies)$/i.test(name) ? `the ${name}` : `the ${name} study`
}
