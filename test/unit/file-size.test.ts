import { describe, expect, it } from 'vitest'
import { fileSizeLabel } from '../../src/domain/file-size.js'

describe('a file size in words', () => {
  it('counts bytes, then kilobytes and megabytes to one decimal place', () => {
    expect(fileSizeLabel(59)).toBe('59 bytes')
    expect(fileSizeLabel(1)).toBe('1 byte')
    expect(fileSizeLabel(1229)).toBe('1.2 KB')
    expect(fileSizeLabel(10 * 1024)).toBe('10 KB')
    expect(fileSizeLabel(1024 * 1024 - 1)).toBe('1 MB')
    expect(fileSizeLabel(3.45 * 1024 * 1024)).toBe('3.5 MB')
  })
})
