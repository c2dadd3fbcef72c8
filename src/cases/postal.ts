import { formatLondonDateTime, formatLongDate, londonDate } from '../domain/clock.js'
import { addressLines } from '../domain/postal-address.js'
import type { RightsRequest } from '../domain/rights-request.js'
import type { CaseMessage } from '../requests/repo.js'

/** Whether the request never had an email address: its letters are printed and posted. */
export function isPostal(request: Pick<RightsRequest, 'email' | 'emailHmac'>): boolean {
  return !request.email && !request.emailHmac
}

export interface PostalPanel {
  /** The name and address the letters go to, or null once the contact details are removed. */
  recipient: string[] | null
  letters: { subject: string; sentAt: string; href: string }[]
}

/**
 * For a request with no email address: where its letters go and each letter to the person, to
 * print and post. Null for a request with an email address, whose letters are emailed.
 */
export function postalPanelOf(
  request: Pick<RightsRequest, 'email' | 'emailHmac' | 'requesterName' | 'postalAddress'>,
  messages: Pick<CaseMessage, 'id' | 'direction' | 'subject' | 'createdAt'>[],
  hrefOf: (messageId: string) => string,
): PostalPanel | null {
  if (!isPostal(request)) return null
  return {
    recipient: request.postalAddress
      ? [...(request.requesterName ? [request.requesterName] : []), ...addressLines(request.postalAddress)]
      : null,
    letters: messages
      .filter((m) => m.direction === 'to_person')
      .map((m) => ({
        subject: m.subject ?? 'Letter',
        sentAt: formatLondonDateTime(m.createdAt),
        href: hrefOf(m.id),
      })),
  }
}

export interface PrintableLetter {
  /** The address block at the top: the name and address, or a marker once they are removed. */
  recipient: string[]
  sender: string[]
  /** The day the letter was written, in words: "1 December 2026". */
  date: string
  reference: string | null
  subject: string | null
  paragraphs: string[]
}

/** A letter to the person laid out as a page to print: addresses, date, reference, then the text. */
export function printableLetterOf(input: {
  request: Pick<RightsRequest, 'reference' | 'requesterName' | 'postalAddress'>
  message: Pick<CaseMessage, 'subject' | 'body' | 'createdAt'>
  senderName: string
  senderAddress: string[]
  dpoEmail: string
}): PrintableLetter {
  const { request, message } = input
  return {
    recipient: request.postalAddress
      ? [...(request.requesterName ? [request.requesterName] : []), ...addressLines(request.postalAddress)]
      : ['[address removed]'],
    sender: [input.senderName, ...input.senderAddress, input.dpoEmail],
    date: formatLongDate(londonDate(new Date(message.createdAt))),
    reference: request.reference,
    subject: message.subject,
    paragraphs: message.body
      .replace(/\r\n/g, '\n')
      .split(/\n{2,}/)
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  }
}
