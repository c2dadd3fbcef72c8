/** A privacy notice's plain text, split into blocks a page can lay out. */
export type NoticeBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: { text: string; items: string[] }[] }
  | { kind: 'numbered'; items: string[] }
  | { kind: 'table'; rows: string[][] }

const bullet = /^\s*[-•*]\s+/
const subBullet = /^\s*[-•*]\s+o\s+|^\s+o\s+/

/**
 * Numbered lines are an ordered list. Headings are short single lines (not "Label: value") without closing punctuation; "- " lines are lists ("- o" nested);
 * tab-separated lines are table rows. Everything else is a paragraph.
 */
export function noticeBlocks(text: string): NoticeBlock[] {
  const blocks: NoticeBlock[] = []
  const chunks = text.replace(/\r\n/g, '\n').split(/\n\s*\n/)
  for (const chunk of chunks) {
    const lines = chunk.split('\n').filter((line) => line.trim() !== '')
    if (lines.length === 0) continue
    if (lines.some((line) => line.includes('\t'))) {
      const last = blocks.at(-1)
      const rows = lines.map((line) => line.split('\t').map((cell) => cell.trim()))
      if (last?.kind === 'table') last.rows.push(...rows)
      else blocks.push({ kind: 'table', rows })
      continue
    }
    if (lines.every((line) => bullet.test(line) || subBullet.test(line))) {
      const items: { text: string; items: string[] }[] = []
      for (const line of lines) {
        if (subBullet.test(line) && items.length > 0)
          items.at(-1)?.items.push(line.replace(subBullet, '').trim())
        else items.push({ text: line.replace(bullet, '').trim(), items: [] })
      }
      blocks.push({ kind: 'list', items })
      continue
    }
    if (lines.every((line) => /^\s*\d+\.\s/.test(line))) {
      blocks.push({ kind: 'numbered', items: lines.map((line) => line.replace(/^\s*\d+\.\s+/, '').trim()) })
      continue
    }
    const joined = lines.map((line) => line.trim()).join(' ')
    const isHeading =
      lines.length === 1 &&
      joined.length <= 80 &&
      !/[.:;,]$/.test(joined) &&
      !/^\d/.test(joined) &&
      !joined.includes(':')
    blocks.push(isHeading ? { kind: 'heading', text: joined } : { kind: 'paragraph', text: joined })
  }
  return blocks
}
