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

/**
 * Where a page of a sorted list starts or ends, for "next" and "previous" links: the sort key and id
 * of the row at the edge (a null key sorts last), the sort the page was made in (a link from another
 * sort starts over), and how many rows come before the page, for "Showing 26 to 50 of 312".
 */
export interface PageCursor {
  key: string | null
  id: string
  sort: string
  at: number
}

export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

/** The cursor from a link, or undefined for anything that is not one (a tampered link starts over). */
export function decodePageCursor(raw: string): PageCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown
    if (value && typeof value === 'object') {
      const { key, id, sort, at } = value as Record<string, unknown>
      if (
        (typeof key === 'string' || key === null) &&
        typeof id === 'string' &&
        typeof sort === 'string' &&
        typeof at === 'number' &&
        Number.isSafeInteger(at) &&
        at >= 0
      ) {
        return { key, id, sort, at }
      }
    }
  } catch {
    // A tampered cursor just starts from the first page.
  }
  return undefined
}
