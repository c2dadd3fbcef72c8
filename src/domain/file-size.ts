/**
 * A file's size in words, the same on every page that shows one: "59 bytes", "1.2 KB", "3.4 MB".
 * Kilobytes and megabytes are of 1,024; one decimal place, dropped when it is zero ("2 KB").
 */
export function fileSizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`
  const kb = bytes / 1024
  if (Number(kb.toFixed(1)) < 1024) return `${oneDecimal(kb)} KB`
  return `${oneDecimal(kb / 1024)} MB`
}

function oneDecimal(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '')
}
