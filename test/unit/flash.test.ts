import type { NextFunction, Request, Response } from 'express'
import { describe, expect, it } from 'vitest'
import { flashMessages, type Flash } from '../../src/web/flash.js'

function requestWith(flash?: Flash) {
  const session: { flash?: Flash } = flash ? { flash } : {}
  const req = { session } as unknown as Request
  const res = { locals: {} } as unknown as Response
  let called = false
  const next: NextFunction = () => {
    called = true
  }
  flashMessages()(req, res, next)
  return { session, locals: res.locals, called: () => called }
}

describe('flashMessages', () => {
  it('leaves the flash in the session until a page reads it', () => {
    const { session, called } = requestWith({ kind: 'success', text: 'Saved.' })
    expect(called()).toBe(true)
    expect(session.flash).toEqual({ kind: 'success', text: 'Saved.' })
  })

  it('gives the page the flash once taken, and takes it from the session', () => {
    const { session, locals } = requestWith({ kind: 'success', text: 'Saved.' })
    expect({ ...locals }).toEqual({ flash: { kind: 'success', text: 'Saved.' } })
    expect(locals.flash).toEqual({ kind: 'success', text: 'Saved.' })
    expect(session.flash).toBeUndefined()
  })

  it('keeps a flash set after the page read the last one, for the next page', () => {
    const { session, locals } = requestWith()
    expect(locals.flash).toBeUndefined()
    session.flash = { kind: 'signed-out' }
    expect(locals.flash).toBeUndefined()
    expect(session.flash).toEqual({ kind: 'signed-out' })
  })
})
