/** A UK postal address, as the GOV.UK address pattern asks for it. */
export interface PostalAddress {
  line1: string
  line2?: string
  town: string
  postcode: string
}

/** The rule kept on a request's record snapshot when it had no email address to look a record up by. */
export const noEmailAddressRule = 'No email address was given, so no email record can be linked.'

/**
 * A UK postcode in capitals with its single space ("SW1A 1AA"), or null when it is not one: an
 * outward code of a letter or two, a digit and an optional letter or digit, then a digit and two
 * letters. Spaces and capitals are forgiven; GIR 0AA (Girobank) is the one exception.
 */
export function normalisePostcode(typed: string): string | null {
  const compact = typed.replace(/\s+/g, '').toUpperCase()
  if (compact === 'GIR0AA') return 'GIR 0AA'
  const match = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$/.exec(compact)
  return match ? `${match[1]} ${match[2]}` : null
}

/** The address as the lines of an envelope's address block. */
export function addressLines(address: PostalAddress): string[] {
  return [address.line1, address.line2 ?? '', address.town, address.postcode].filter((l) => l !== '')
}

/** The stored form of an address (JSON), read back; anything else reads as no address. */
export function postalAddressFrom(stored: string | null | undefined): PostalAddress | null {
  if (!stored) return null
  try {
    const value = JSON.parse(stored) as Partial<PostalAddress> | null
    if (!value || typeof value.line1 !== 'string' || typeof value.town !== 'string') return null
    if (typeof value.postcode !== 'string') return null
    return {
      line1: value.line1,
      ...(typeof value.line2 === 'string' && value.line2 !== '' ? { line2: value.line2 } : {}),
      town: value.town,
      postcode: value.postcode,
    }
  } catch {
    return null
  }
}

/** Replaces each line of the address quoted in a text by the marker, longest first. */
export function redactPostalAddress(text: string, address: PostalAddress, marker: string): string {
  const lines = addressLines(address)
    .map((l) => l.trim())
    .filter((l) => l.length > 3)
    .sort((a, b) => b.length - a.length)
  let redacted = text
  for (const line of lines) redacted = redacted.split(line).join(marker)
  const compact = address.postcode.replace(/\s+/g, '')
  if (compact.length > 3) redacted = redacted.split(compact).join(marker)
  return redacted
}
