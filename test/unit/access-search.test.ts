import { describe, expect, it } from 'vitest'
import { searchPlaces, searchProblems } from '../../src/domain/access-search.js'
import { searchSentence } from '../../src/domain/answer.js'
import type { DataCategory } from '../../src/domain/data-map.js'

const bounds = { receivedOn: '2026-11-20', today: '2026-12-01' }
const valid = { place: 'Survey platform', searchedOn: '2026-11-25', found: 'One response', limit: '' }

describe('the access search log', () => {
  it('accepts a search between the day received and today', () => {
    expect(searchProblems(valid, bounds)).toEqual([])
    expect(searchProblems({ ...valid, searchedOn: '2026-11-20' }, bounds)).toEqual([])
    expect(searchProblems({ ...valid, searchedOn: '2026-12-01' }, bounds)).toEqual([])
  })

  it('names each problem on its own field, in form order', () => {
    expect(searchProblems({ place: ' ', searchedOn: 'yesterday', found: '', limit: '' }, bounds)).toEqual([
      { field: 'place', message: 'Enter where you searched' },
      { field: 'searchedOn', message: 'Enter the date of the search, like 2026-12-01' },
      { field: 'found', message: 'Enter what the search found, or that it found nothing' },
    ])
    expect(searchProblems({ ...valid, searchedOn: '2026-12-02' }, bounds)[0]?.message).toBe(
      'The date of the search must be today or in the past',
    )
    expect(searchProblems({ ...valid, searchedOn: '2026-11-19' }, bounds)[0]?.field).toBe('searchedOn')
    expect(searchProblems({ ...valid, limit: 'x'.repeat(5001) }, bounds)).toEqual([
      { field: 'limit', message: 'The limit must be 5000 characters or fewer' },
    ])
    expect(searchProblems({ ...valid, place: 'p'.repeat(201) }, bounds)[0]?.field).toBe('place')
  })

  it('puts each search in plain words, with its limit and reason', () => {
    expect(
      searchSentence({
        place: 'Survey platform',
        searchedOn: '2026-11-25',
        found: 'One response.',
        limit: null,
      }),
    ).toBe('Survey platform, searched on 25 November 2026. What we found: One response.')
    expect(
      searchSentence({
        place: 'ONS Secure Research Service',
        searchedOn: '2026-11-26',
        found: 'Nothing linked to your address',
        limit: 'We did not search the anonymised extract, because it holds no addresses',
      }),
    ).toBe(
      'ONS Secure Research Service, searched on 26 November 2026. What we found: Nothing linked to your address. How we limited the search, and why: We did not search the anonymised extract, because it holds no addresses.',
    )
  })

  it('offers the study’s holdings as places to search', () => {
    const category = { heldIn: 'The survey platform; after extraction, the archive.' } as DataCategory
    expect(searchPlaces([category])).toEqual([
      'Survey platform',
      'Voucher correspondence',
      'This portal’s own records',
      'The survey platform',
    ])
  })
})
