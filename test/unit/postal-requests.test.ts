import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import { postalPanelOf, printableLetterOf } from '../../src/cases/postal.js'
import {
  addressLines,
  normalisePostcode,
  postalAddressFrom,
  redactPostalAddress,
  type PostalAddress,
} from '../../src/domain/postal-address.js'
import { builtInReceipt } from '../../src/domain/letters.js'
import { applyTransition, type TransitionContext } from '../../src/domain/request-lifecycle.js'
import { requestTypes } from '../../src/domain/request-types.js'
import type { RightsRequest } from '../../src/domain/rights-request.js'
import { indefiniteArticle, logRequestTitle, staffChoiceHint } from '../../src/domain/staff-copy.js'
import type { FieldError } from '../../src/errors.js'
import { inFieldOrder, parsePostalAddress } from '../../src/intake/validation.js'

const address: PostalAddress = {
  line1: '12 Acacia Avenue',
  line2: 'Flat 3',
  town: 'Leeds',
  postcode: 'LS1 4AP',
}

describe('the staff log form title', () => {
  it('takes the right article before each request type', () => {
    expect(requestTypes.map(logRequestTitle)).toEqual([
      'Log an access request',
      'Log a rectification request',
      'Log an erasure request',
      'Log a restriction request',
      'Log an objection request',
      'Log a portability request',
      'Log a withdrawal of consent request',
    ])
    expect(indefiniteArticle('Update')).toBe('an')
    expect(indefiniteArticle('request')).toBe('a')
  })

  it('says a study’s choice hints about the requester', () => {
    expect(staffChoiceHint('Uses your ethnicity and your age.')).toBe('Uses their ethnicity and their age.')
    expect(staffChoiceHint(undefined)).toBeUndefined()
  })
})

describe('postal addresses', () => {
  it('accepts UK postcodes in any capitals and spacing, and refuses others', () => {
    expect(normalisePostcode('sw1a1aa')).toBe('SW1A 1AA')
    expect(normalisePostcode(' LS1  4AP ')).toBe('LS1 4AP')
    expect(normalisePostcode('M1 1AE')).toBe('M1 1AE')
    expect(normalisePostcode('B33 8TH')).toBe('B33 8TH')
    expect(normalisePostcode('gir 0aa')).toBe('GIR 0AA')
    for (const bad of ['', '12345', 'SW1A', 'SW1A 1A', '1AA SW1', 'SW1A 1AAA'])
      expect(normalisePostcode(bad)).toBeNull()
  })

  it('reads back what was stored, and nothing from a damaged value', () => {
    expect(postalAddressFrom(JSON.stringify(address))).toEqual(address)
    expect(postalAddressFrom(JSON.stringify({ ...address, line2: '' }))).toEqual({
      line1: '12 Acacia Avenue',
      town: 'Leeds',
      postcode: 'LS1 4AP',
    })
    expect(postalAddressFrom(null)).toBeNull()
    expect(postalAddressFrom('{not json')).toBeNull()
    expect(postalAddressFrom('{"line1":"x"}')).toBeNull()
    expect(addressLines(address)).toEqual(['12 Acacia Avenue', 'Flat 3', 'Leeds', 'LS1 4AP'])
  })

  it('is removed from text that quotes it', () => {
    expect(
      redactPostalAddress(
        'Write to 12 Acacia Avenue, Leeds LS14AP or LS1 4AP.',
        address,
        '[address removed]',
      ),
    ).toBe('Write to [address removed], [address removed] [address removed] or [address removed].')
  })

  it('is parsed from the form: none typed, a whole one, or the missing parts named', () => {
    const errors: FieldError[] = []
    expect(parsePostalAddress({}, errors)).toBeNull()
    expect(errors).toEqual([])
    expect(
      parsePostalAddress(
        { addressLine1: '12 Acacia Avenue', addressLine2: '', town: 'Leeds', postcode: 'ls14ap' },
        errors,
      ),
    ).toEqual({ line1: '12 Acacia Avenue', town: 'Leeds', postcode: 'LS1 4AP' })
    expect(errors).toEqual([])
    expect(parsePostalAddress({ postcode: 'nonsense' }, errors)).toBeUndefined()
    expect(errors.map((e) => e.field)).toEqual(['addressLine1', 'town', 'postcode'])
  })
})

describe('errors in page order', () => {
  it('sorts by the fields’ order, keeping the order of errors on one field and putting unknown ones last', () => {
    const e = (field: string, text = field): FieldError => ({ field, href: `#${field}`, text })
    const sorted = inFieldOrder(
      [e('identity'), e('zzz'), e('email', 'second'), e('channel'), e('email', 'first')],
      ['channel', 'email', 'identity'],
    )
    expect(sorted.map((x) => `${x.field}:${x.text}`)).toEqual([
      'channel:channel',
      'email:second',
      'email:first',
      'identity:identity',
      'zzz:zzz',
    ])
  })
})

const context: TransitionContext = {
  at: new Date('2026-03-10T10:00:00Z'),
  controllerName: 'Example Org',
  dpoEmail: 'dpo@example.org',
}

function postalRequest(overrides: Partial<RightsRequest> = {}): RightsRequest {
  return {
    id: 'req-1',
    studyId: 'study-1',
    reference: null,
    type: 'erasure',
    status: 'unconfirmed',
    channel: 'post',
    email: null,
    emailHmac: null,
    requesterName: 'Pat Letter',
    postalAddress: address,
    details: { type: 'erasure' },
    receivedAt: '2026-03-02T09:00:00.000Z',
    receivedOn: '2026-03-02',
    confirmedAt: null,
    clockStartOn: null,
    dueOn: null,
    extendedDueOn: null,
    pausedDays: 0,
    closedAt: null,
    closeReason: null,
    duplicateOf: null,
    assigneeId: null,
    extended: false,
    extensionReason: null,
    pause: null,
    outcome: null,
    outcomeReason: null,
    recordAnswer: null,
    recordId: null,
    recordSnapshot: null,
    version: 1,
    createdAt: '2026-03-02T09:00:00.000Z',
    updatedAt: '2026-03-02T09:00:00.000Z',
    ...overrides,
  }
}

describe('a request with no email address', () => {
  const confirm = (request: RightsRequest) =>
    applyTransition(
      request,
      {
        kind: 'confirm',
        via: 'staff',
        clockStartOn: '2026-03-02',
        reference: 'DSR-2026-0042',
        record: {
          recordId: null,
          snapshot: {
            recordId: null,
            takenOn: '2026-03-10',
            state: 'no_record',
            rule: '',
            answersLinked: false,
            holdings: [],
          },
          answer: null,
        },
        receipt: builtInReceipt,
      },
      context,
    )

  it('is acknowledged by a letter to post, not an email', () => {
    const result = confirm(postalRequest())
    expect(result.notices).toEqual([])
    expect(result.letters).toHaveLength(1)
    const [letter] = result.letters
    expect(letter?.kind).toBe('receipt')
    expect(letter?.subject).toBe('We have your request DSR-2026-0042')
    expect(letter?.body).toMatch(/^Dear Pat Letter,/)
    expect(letter?.body).toContain('Received on: 2 March 2026\nWe must answer by: 2 April 2026')
    expect(letter?.body).toContain('Please quote DSR-2026-0042')
    expect(letter?.body).not.toMatch(/https?:|\{/)
  })

  it('is emailed its receipt as before when there is an address', () => {
    const result = confirm(postalRequest({ email: 'pat@example.org', emailHmac: 'h', postalAddress: null }))
    expect(result.letters).toEqual([])
    expect(result.notices.map((n) => n.kind)).toEqual(['receipt'])
  })

  it('can be reopened while its postal address is kept, and not once it is removed', () => {
    const completed = postalRequest({
      reference: 'DSR-2026-0042',
      status: 'completed',
      confirmedAt: '2026-03-02T09:30:00.000Z',
      clockStartOn: '2026-03-02',
      dueOn: '2026-04-02',
      closedAt: '2026-03-09T15:00:00.000Z',
      closeReason: 'completed',
      outcome: 'fulfilled',
    })
    const reopen = { kind: 'reopen', reason: 'Closed by mistake' } as const
    expect(applyTransition(completed, reopen, context).letters.map((l) => l.kind)).toEqual(['reopened'])
    expect(() => applyTransition({ ...completed, postalAddress: null }, reopen, context)).toThrow(
      /contact details have been removed/,
    )
  })
})

describe('letters to post', () => {
  const message = {
    id: 'm-1',
    direction: 'to_person' as const,
    subject: 'We have your request DSR-2026-0042',
    body: 'Dear Pat Letter,\r\n\r\nThank you.\nLine two.\n\n\nExample Org',
    createdAt: '2026-06-30T23:30:00.000Z',
  }

  it('lays a letter out with both addresses, the date in words and its paragraphs', () => {
    const letter = printableLetterOf({
      request: { reference: 'DSR-2026-0042', requesterName: 'Pat Letter', postalAddress: address },
      message,
      senderName: 'Example Org',
      senderAddress: ['1 Example Street', 'London'],
      dpoEmail: 'dpo@example.org',
    })
    expect(letter).toEqual({
      recipient: ['Pat Letter', '12 Acacia Avenue', 'Flat 3', 'Leeds', 'LS1 4AP'],
      sender: ['Example Org', '1 Example Street', 'London', 'dpo@example.org'],
      // 23:30 UTC on 30 June is already 1 July in London.
      date: '1 July 2026',
      reference: 'DSR-2026-0042',
      subject: 'We have your request DSR-2026-0042',
      paragraphs: ['Dear Pat Letter,', 'Thank you.\nLine two.', 'Example Org'],
    })
    const removed = printableLetterOf({
      request: { reference: null, requesterName: null, postalAddress: null },
      message,
      senderName: 'Example Org',
      senderAddress: [],
      dpoEmail: 'dpo@example.org',
    })
    expect(removed.recipient).toEqual(['[address removed]'])
  })

  it('lists the letters to the person for a request with no email address only', () => {
    const reply = { ...message, id: 'm-2', direction: 'from_person' as const }
    const panel = postalPanelOf(
      { email: null, emailHmac: null, requesterName: 'Pat Letter', postalAddress: address },
      [message, reply],
      (id) => `/print/${id}`,
    )
    expect(panel?.recipient).toEqual(['Pat Letter', '12 Acacia Avenue', 'Flat 3', 'Leeds', 'LS1 4AP'])
    expect(panel?.letters).toEqual([
      { subject: message.subject, sentAt: '1 July 2026, 12:30am', href: '/print/m-1' },
    ])
    expect(
      postalPanelOf(
        { email: 'a@example.org', emailHmac: 'h', requesterName: null, postalAddress: null },
        [],
        String,
      ),
    ).toBeNull()
    // Contact details removed after the retention period: the HMAC stays for one that had an address.
    expect(
      postalPanelOf({ email: null, emailHmac: 'h', requesterName: null, postalAddress: null }, [], String),
    ).toBeNull()
  })
})

describe('the organisation’s postal address', () => {
  const secret = { SECRET: 's'.repeat(32) }
  it('is read line by line from ORGANISATION_ADDRESS, and is absent unless set', () => {
    expect(
      loadConfig({ ...secret, ORGANISATION_ADDRESS: ' 1 Example Street,, London , EC1A 1BB ' }).organisation
        .postalAddress,
    ).toEqual(['1 Example Street', 'London', 'EC1A 1BB'])
    expect(loadConfig(secret).organisation.postalAddress).toBeUndefined()
    expect(() => loadConfig({ ...secret, ORGANISATION_ADDRESS: 'x'.repeat(301) })).toThrow(
      /ORGANISATION_ADDRESS/,
    )
    expect(() => loadConfig({ ...secret, ORGANISATION_ADDRESS: 'line\nbreak' })).toThrow(ConfigError)
  })
})
