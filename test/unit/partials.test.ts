import path from 'node:path'
import ejs from 'ejs'
import { describe, expect, it } from 'vitest'
import { paths } from '../../src/paths.js'
import { viewsDir } from '../../src/paths-on-disk.js'
import { component } from '../../src/web/render.js'

function partial(name: string, params: Record<string, unknown>): Promise<string> {
  return ejs.renderFile(path.join(viewsDir, 'partials', `${name}.ejs`), params)
}

const layoutLocals = {
  title: 'Make a request',
  body: '<p>Body</p>',
  cspNonce: 'abc123',
  org: { name: 'What Works for Children’s Social Care', dpoEmail: 'dpo@whatworks-csc.org.uk' },
  serviceName: 'Your data rights',
  serviceUrl: '/',
  component,
  paths,
}

function layout(locals: Record<string, unknown> = {}): Promise<string> {
  return ejs.renderFile(path.join(viewsDir, 'layout.ejs'), { ...layoutLocals, ...locals })
}

describe('GOV.UK partials', () => {
  it('renders no error summary without errors', async () => {
    expect(await partial('error-summary', { errors: [] })).toBe('')
  })

  it('links each error in the summary to its field', async () => {
    const html = await partial('error-summary', { errors: [{ text: 'Enter your email', href: '#email' }] })
    expect(html).toContain('There is a problem')
    expect(html).toContain('<a href="#email">Enter your email</a>')
  })

  it('marks an input with an error and describes it by hint and error', async () => {
    const html = await partial('input', {
      id: 'email',
      name: 'email',
      label: { text: 'Email' },
      hint: 'Hint',
      error: 'Bad',
    })
    expect(html).toContain('govuk-form-group--error')
    expect(html).toContain('govuk-input--error')
    expect(html).toContain('<p id="email-error" class="govuk-error-message">')
    expect(html).toContain('<span class="govuk-visually-hidden">Error:</span> Bad')
    expect(html).toContain('aria-describedby="email-hint email-error"')
  })

  it('does not pick up page locals that share a parameter name', () => {
    const html = component('input', { id: 'name', name: 'name', label: { text: 'Name' } })
    expect(html).toContain('type="text"')
    expect(html).not.toContain('aria-describedby')
  })

  it('checks the chosen radio and gives each hint an id', async () => {
    const html = await partial('radios', {
      idPrefix: 'type',
      name: 'type',
      fieldset: { legend: { text: 'Pick' } },
      value: 'b',
      items: [
        { value: 'a', text: 'A', hint: 'about a' },
        { value: 'b', text: 'B', hint: 'about b' },
      ],
    })
    expect(html).toMatch(/id="type" name="type" type="radio" value="a" aria-describedby="type-item-hint">/)
    expect(html).toMatch(
      /id="type-2" name="type" type="radio" value="b" checked aria-describedby="type-2-item-hint">/,
    )
    expect(html).toContain('<div id="type-item-hint" class="govuk-hint govuk-radios__hint">about a</div>')
    expect(html).toContain('<div id="type-2-item-hint" class="govuk-hint govuk-radios__hint">about b</div>')
  })

  it('checks every chosen checkbox', async () => {
    const html = await partial('checkboxes', {
      idPrefix: 'data',
      name: 'data',
      fieldset: { legend: { text: 'Which data?' } },
      values: ['email', 'none'],
      items: [
        { value: 'email', text: 'Email' },
        { value: 'phone', text: 'Phone' },
        { divider: 'or' },
        { value: 'none', text: 'None', behaviour: 'exclusive' },
      ],
    })
    expect(html.match(/ checked/g)).toHaveLength(2)
    expect(html).toContain(
      'id="data-4" name="data" type="checkbox" value="none" checked data-behaviour="exclusive"',
    )
  })

  it('marks only the date boxes that are wrong', async () => {
    const html = await partial('date-input', {
      id: 'received',
      namePrefix: 'received',
      fieldset: { legend: { text: 'When?' } },
      values: { day: '3', month: '13', year: '2026' },
      error: 'Month must be between 1 and 12',
      errorItems: ['month'],
    })
    expect(html.match(/govuk-input--error/g)).toHaveLength(1)
    expect(html).toContain('id="received-month" name="received-month" type="text" value="13"')
    expect(html).toContain('aria-describedby="received-error"')
  })

  it('leaves the action column out of rows without actions only when another row has one', async () => {
    const plain = await partial('summary-list', { rows: [{ key: 'Name', value: 'Sam' }] })
    expect(plain).not.toContain('--no-actions')
    const mixed = await partial('summary-list', {
      rows: [
        {
          key: 'Name',
          value: 'Sam',
          actions: [{ href: '/name', text: 'Change', visuallyHiddenText: 'name' }],
        },
        { key: 'Study', value: 'A' },
      ],
    })
    expect(mixed).toContain('govuk-summary-list__row--no-actions')
    expect(mixed).toContain('Change<span class="govuk-visually-hidden"> name</span>')
  })

  it('escapes text and attributes, and passes html through only where named so', async () => {
    const html = await partial('input', {
      id: 'x',
      name: 'x',
      label: { text: '<script>alert(1)</script>' },
      value: '"><b>',
    })
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('value="&#34;&gt;&lt;b&gt;"')

    const list = await partial('summary-list', {
      rows: [
        { key: '<script>', value: '<script>' },
        { key: 'Raw', valueHtml: '<strong>kept</strong>' },
      ],
    })
    expect(list).not.toContain('<script>')
    expect(list).toContain('<strong>kept</strong>')
  })
})

describe('layout', () => {
  it('puts the nonce on the only inline script', async () => {
    const html = await layout()
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)]
    expect(inline).toHaveLength(1)
    expect(inline[0]?.[1]).toBe(' nonce="abc123"')
    expect(html).toContain('<script type="module" src="/javascripts/application.js"></script>')
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
  })

  it('titles the page, with "Error: " when the form has errors', async () => {
    expect(await layout()).toContain(
      '<title>Make a request – Your data rights – What Works for Children’s Social Care</title>',
    )
    expect(await layout({ hasErrors: true })).toContain('<title>Error: Make a request – ')
  })

  it('shows staff navigation and a sign-out form only to staff', async () => {
    const visitor = await layout()
    expect(visitor).not.toContain('/staff/logout')
    expect(visitor).not.toContain('<nav aria-label="Staff menu"')

    const staff = await layout({ staffUser: { email: 'dpo@example.org', role: 'dpo' }, csrfToken: 'tok' })
    expect(staff).toContain('href="/staff/requests"')
    expect(staff).toMatch(
      /<form method="post" action="\/staff\/logout"[^>]*>\s*<input type="hidden" name="_csrf" value="tok">/,
    )
  })

  it('renders a back link and the DPO contact when given', async () => {
    const html = await layout({ backLink: '/request', dpoEmail: 'privacy@example.org' })
    expect(html).toContain('<a href="/request" class="govuk-back-link">Back</a>')
    expect(html).toContain('href="mailto:privacy@example.org"')
    expect(await layout()).toContain('href="mailto:dpo@whatworks-csc.org.uk"')
  })
})
