import path from 'node:path'
import ejs from 'ejs'
import { describe, expect, it } from 'vitest'
import { component } from '../../src/web/render.js'

describe('GOV.UK partials', () => {
  it('renders no error summary without errors', () => {
    expect(component('error-summary', { errors: [] }).trim()).toBe('')
  })

  it('links each error in the summary to its field', () => {
    const html = component('error-summary', { errors: [{ text: 'Enter your email', href: '#email' }] })
    expect(html).toContain('<a href="#email">Enter your email</a>')
  })

  it('marks an input with an error and describes it by hint and error', () => {
    const html = component('input', {
      id: 'email',
      name: 'email',
      label: { text: 'Email' },
      hint: 'Hint',
      error: 'Bad',
    })
    expect(html).toContain('govuk-input--error')
    expect(html).toContain('id="email-error"')
    expect(html).toContain('aria-describedby="email-hint email-error"')
  })

  it('does not pick up page locals that share a parameter name', () => {
    const html = component('input', { id: 'name', name: 'name', label: { text: 'Name' } })
    expect(html).toContain('type="text"')
    expect(html).not.toContain('aria-describedby')
  })

  it('checks the chosen radio and gives each hint an id', () => {
    const html = component('radios', {
      idPrefix: 'type',
      name: 'type',
      fieldset: { legend: { text: 'Pick' } },
      value: 'b',
      items: [
        { value: 'a', text: 'A', hint: 'about a' },
        { value: 'b', text: 'B' },
      ],
    })
    expect(html).toMatch(/id="type-2" name="type" type="radio" value="b" checked/)
    expect(html).toContain('id="type-item-hint"')
  })

  it('escapes text', () => {
    const html = component('input', {
      id: 'x',
      name: 'x',
      label: { text: '<script>alert(1)</script>' },
      value: '"><b>',
    })
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;')
    expect(html).toContain('value="&#34;&gt;&lt;b&gt;"')
  })

  it('puts the nonce on the only inline script of the layout', async () => {
    const html = await ejs.renderFile(path.resolve('views/layout.ejs'), {
      title: 'T',
      body: '<p>Body</p>',
      cspNonce: 'abc123',
      org: { name: 'Org' },
      serviceName: 'Service',
      serviceUrl: '/',
      component,
    })
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)]
    expect(inline).toHaveLength(1)
    expect(inline[0]?.[1]).toContain('nonce="abc123"')
  })
})
