import { appendFile, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { anchorLine, parseSignedHead, type SignedHead } from './signed-head.js'

/** A line of the anchor log: the signed head it holds, or null when it holds none. */
export interface AnchorLogEntry {
  line: number
  head: SignedHead | null
}

/**
 * The anchor log: every signed head, one JSON line each, appended to a file outside the database
 * (mode 0600), so deleting or rewriting the database's copies cannot make the trail agree again.
 */
export function anchorLog(file: string) {
  return {
    file,

    async append(head: SignedHead): Promise<void> {
      await mkdir(path.dirname(file), { recursive: true })
      // One write of one short line with O_APPEND: processes sharing the file never interleave.
      await appendFile(file, anchorLine(head), { encoding: 'utf8', mode: 0o600, flag: 'a' })
    },

    /** Every line, in order; none when the log does not exist yet. */
    async read(): Promise<AnchorLogEntry[]> {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw error
      }
      const entries: AnchorLogEntry[] = []
      text.split('\n').forEach((content, index) => {
        if (content.trim() === '') return
        entries.push({ line: index + 1, head: parseHead(content) })
      })
      return entries
    },
  }
}

export type AnchorLog = ReturnType<typeof anchorLog>

function parseHead(content: string): SignedHead | null {
  try {
    return parseSignedHead(JSON.parse(content))
  } catch {
    return null
  }
}
