import type { Request } from 'express'

/** Where a keyset page starts: the sort key and id of the last row of the page before. */
export interface KeysetCursor {
  key: string
  id: string
}

/** The cursor as it travels in a "next page" link: opaque, URL-safe. */
export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

/** The cursor from a link, or undefined for anything that is not one (a tampered link starts over). */
export function decodeCursor(raw: string): KeysetCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown
    if (value && typeof value === 'object' && 'key' in value && 'id' in value) {
      const { key, id } = value as Record<string, unknown>
      if (typeof key === 'string' && typeof id === 'string') return { key, id }
    }
  } catch {
    // A tampered cursor just starts from the first page.
  }
  return undefined
}

/** One query-string value as text, trimmed; anything else (a list, nothing) is empty. */
export function queryText(req: Request, name: string): string {
  const value = req.query[name]
  return typeof value === 'string' ? value.trim() : ''
}
