import { isIsoDate, type IsoDate } from './clock.js'
import type { DataCategory } from './data-map.js'

/**
 * The search log of an access request (Art. 15(1A): the searches must be reasonable and
 * proportionate, and the DPO must be able to show what was searched). Each entry names the place
 * searched, the day, what was found, and any limit on the search with its reason.
 */

export const searchTextMax = 5000

export interface SearchInput {
  place: string
  searchedOn: string
  found: string
  limit: string
}

export interface SearchProblem {
  field: 'place' | 'searchedOn' | 'found' | 'limit'
  message: string
}

/** The places a study's data is held, offered first on the search form; staff may name others. */
export function searchPlaces(dataMap: DataCategory[]): string[] {
  const places = new Set<string>(['Survey platform', 'Voucher correspondence', 'This portal’s own records'])
  for (const category of dataMap) {
    const first = category.heldIn.split(/[.;]/)[0]?.trim()
    if (first) places.add(first)
  }
  return [...places]
}

/** What is wrong with a search entry, each on its field, or an empty list. */
export function searchProblems(
  input: SearchInput,
  bounds: { receivedOn: IsoDate; today: IsoDate },
): SearchProblem[] {
  const problems: SearchProblem[] = []
  const place = input.place.trim()
  if (place === '') problems.push({ field: 'place', message: 'Enter where you searched' })
  else if (place.length > 200)
    problems.push({ field: 'place', message: 'Where you searched must be 200 characters or fewer' })
  const on = input.searchedOn.trim()
  if (!isIsoDate(on)) {
    problems.push({ field: 'searchedOn', message: 'Enter the date of the search, like 2026-12-01' })
  } else if (on > bounds.today) {
    problems.push({ field: 'searchedOn', message: 'The date of the search must be today or in the past' })
  } else if (on < bounds.receivedOn) {
    problems.push({
      field: 'searchedOn',
      message: 'The date of the search must be on or after the day the request was received',
    })
  }
  const found = input.found.trim()
  if (found === '')
    problems.push({ field: 'found', message: 'Enter what the search found, or that it found nothing' })
  else if ([...found].length > searchTextMax)
    problems.push({ field: 'found', message: `What was found must be ${searchTextMax} characters or fewer` })
  if ([...input.limit.trim()].length > searchTextMax)
    problems.push({ field: 'limit', message: `The limit must be ${searchTextMax} characters or fewer` })
  return problems
}
