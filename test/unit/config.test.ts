import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'

describe('loadConfig', () => {
  it('defaults to SQLite and mail files under the data folder, generating a secret once', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-config-'))
    const config = loadConfig({ DATA_DIR: dataDir })
    expect(config.database).toEqual({ client: 'sqlite', filename: path.join(dataDir, 'portal.sqlite') })
    expect(config.smtpUrl).toBeNull()
    expect(config.port).toBe(3000)
    expect(config.secretGenerated).toBe(true)
    const file = path.join(dataDir, 'secret')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8').trim()).toBe(config.secret)
    expect(loadConfig({ DATA_DIR: dataDir }).secret).toBe(config.secret)
  })

  it('uses PostgreSQL for a postgres URL and secure cookies for an https public URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/portal',
      PUBLIC_URL: 'https://rights.example.org/',
      SECRET: 's'.repeat(32),
    })
    expect(config.database).toEqual({ client: 'postgres', connectionString: 'postgres://u@db:5432/portal' })
    expect(config.publicUrl).toBe('https://rights.example.org')
    expect(config.secureCookies).toBe(true)
  })

  it('keeps the contact details of closed requests for 24 months unless told otherwise', () => {
    const secret = { SECRET: 's'.repeat(32) }
    expect(loadConfig(secret).contactRetentionMonths).toBe(24)
    expect(loadConfig({ ...secret, CONTACT_RETENTION_MONTHS: '36' }).contactRetentionMonths).toBe(36)
    expect(() => loadConfig({ ...secret, CONTACT_RETENTION_MONTHS: '0' })).toThrow(/CONTACT_RETENTION_MONTHS/)
    expect(() => loadConfig({ ...secret, CONTACT_RETENTION_MONTHS: 'two years' })).toThrow(ConfigError)
  })

  it('lists every problem at once', () => {
    try {
      loadConfig({
        NODE_ENV: 'production',
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        SMTP_URL: 'http://mail',
      })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const problems = (error as ConfigError).problems.join('\n')
      for (const name of ['PORT', 'DATABASE_URL', 'SMTP_URL', 'SECRET', 'PUBLIC_URL'])
        expect(problems).toContain(name)
    }
  })
})
