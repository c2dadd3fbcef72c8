import { describe, expect, expectTypeOf, it } from 'vitest'
import { paths, route, withQuery, type ParamNames } from '../../src/paths.js'

describe('route', () => {
  it('is both the pattern the router registers and the builder of links to it', () => {
    const file = route('/staff/requests/:id/files/:fileId/:format')
    expect(file.pattern).toBe('/staff/requests/:id/files/:fileId/:format')
    expect(file({ id: 'r1', fileId: 'f1', format: 'csv' })).toBe('/staff/requests/r1/files/f1/csv')
    expect(file.build({ id: 'r1', fileId: 'f1', format: 'csv' })).toBe('/staff/requests/r1/files/f1/csv')
  })

  it('encodes each parameter as one path segment', () => {
    expect(paths.staff.studyCategory({ slug: 'a b', key: 'x/y?' })).toBe(
      '/staff/studies/a%20b/categories/x%2Fy%3F',
    )
  })

  it('types the parameters from the pattern', () => {
    expectTypeOf<ParamNames<'/staff/requests/:id/tasks/:taskId/done'>>().toEqualTypeOf<'id' | 'taskId'>()
    expectTypeOf<ParamNames<'/staff/requests'>>().toEqualTypeOf<never>()
    expectTypeOf(paths.staff.queue).parameters.toEqualTypeOf<[]>()
    expectTypeOf(paths.staff.case).parameters.toEqualTypeOf<[params: Record<'id', string>]>()
  })

  it('refuses to build a link without a parameter', () => {
    const build = paths.staff.case as unknown as (params: object) => string
    expect(() => build({})).toThrow('No value for :id in /staff/requests/:id')
  })

  it('keeps the link shapes of routes that declare their own', () => {
    expect(paths.request.form.pattern).toBe('/request/:type')
    expect(paths.request.form('withdraw_consent')).toBe('/request/withdraw-consent')
    expect(paths.request.form('access', 'study one')).toBe('/request/access?study=study%20one')
    expect(paths.staff.logRequestForm('erasure', 'main')).toBe('/staff/requests/new/erasure?study=main')
    expect(paths.staff.importRecords()).toBe('/staff/records/import')
    expect(paths.status.show('tok')).toBe('/status/tok')
    expect(paths.status.show.build({ token: 'tok' })).toBe('/status/tok')
  })
})

describe('withQuery', () => {
  it('adds only the values given', () => {
    expect(withQuery('/request', {})).toBe('/request')
    expect(withQuery('/request', { study: undefined, type: '' })).toBe('/request')
    expect(withQuery('/request/check-your-email', { resent: '1', q: 'a&b' })).toBe(
      '/request/check-your-email?resent=1&q=a%26b',
    )
  })
})
