import { describe, expect, it } from 'vitest'
import { redactSecrets } from '../../src/logger.js'
import { loggablePath } from '../../src/web/logging.js'

describe('what reaches the log', () => {
  it('replaces secret tokens in paths and drops the query string', () => {
    expect(loggablePath(`/status/${'a'.repeat(43)}/withdraw?email=jane@example.org`)).toBe(
      '/status/:token/withdraw',
    )
    expect(loggablePath('/request/access')).toBe('/request/access')
  })

  it('redacts addresses and tokens inside error messages', () => {
    const text = `insert into rights_requests values ('jane@example.org', '${'b'.repeat(64)}')`
    expect(redactSecrets(text)).toBe("insert into rights_requests values ('[email]', '[token]')")
  })
})
