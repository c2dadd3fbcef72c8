import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { privacyNoticeText } from '../../migrations/seed-data/privacy-notice-increasing-diversity.js'
import { noticeBlocks } from '../../src/studies/notice.js'

describe('noticeBlocks', () => {
  it('splits headings, paragraphs, lists with nested items and tab tables', () => {
    const blocks = noticeBlocks(
      'Heading one\n\nA paragraph.\nContinued here.\n\n- item\n- o nested\n\nA\tB\nc\td\n',
    )
    expect(blocks).toEqual([
      { kind: 'heading', text: 'Heading one' },
      { kind: 'paragraph', text: 'A paragraph. Continued here.' },
      { kind: 'list', items: [{ text: 'item', items: ['nested'] }] },
      {
        kind: 'table',
        rows: [
          ['A', 'B'],
          ['c', 'd'],
        ],
      },
    ])
  })

  it('lays out the seed study notice with its sections and lawful-basis table', () => {
    const blocks = noticeBlocks(privacyNoticeText)
    const headings = blocks
      .filter((b) => b.kind === 'heading')
      .map((b) => (b.kind === 'heading' ? b.text : ''))
    expect(headings).toEqual(
      expect.arrayContaining([
        'Introduction',
        'Personal data we collect',
        'How long we keep your data',
        'How to Complain',
      ]),
    )
    const table = blocks.find((b) => b.kind === 'table')
    expect(table?.kind === 'table' && table.rows[0]).toEqual(['Purpose', 'Lawful Basis for Processing'])
  })

  it('keeps the seed notice verbatim from the published text', () => {
    const original = readFileSync(
      new URL('../../migrations/seed-data/privacy-notice-increasing-diversity.ts', import.meta.url),
      'utf8',
    )
    expect(original).toContain('Last modified 16th June 2021')
    expect(privacyNoticeText).toContain('dpo@whatworks-csc.org.uk')
  })
})

describe('noticeBlocks edge cases', () => {
  it('reads numbered lines as an ordered list and "Label: value" lines as paragraphs', () => {
    expect(noticeBlocks('1. First thing.\n2. Second thing.\n\nProject: Something')).toEqual([
      { kind: 'numbered', items: ['First thing.', 'Second thing.'] },
      { kind: 'paragraph', text: 'Project: Something' },
    ])
  })
})
