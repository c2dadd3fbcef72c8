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

  it('listens only on this machine in development, on every interface in production, or where HOST says', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-config-'))
    expect(loadConfig({ DATA_DIR: dataDir }).host).toBe('127.0.0.1')
    const production = { NODE_ENV: 'production', SECRET: 's'.repeat(32), PUBLIC_URL: 'https://r.example.org' }
    expect(loadConfig({ ...production, DATA_DIR: dataDir }).host).toBe('0.0.0.0')
    expect(loadConfig({ ...production, DATA_DIR: dataDir, HOST: '127.0.0.1' }).host).toBe('127.0.0.1')
    expect(loadConfig({ DATA_DIR: dataDir, HOST: '::' }).host).toBe('::')
    expect(() => loadConfig({ DATA_DIR: dataDir, HOST: 'not a host/' })).toThrow(/HOST/)
  })

  it('keeps the contact details of closed requests for 24 months unless told otherwise', () => {
    const secret = { SECRET: 's'.repeat(32) }
    expect(loadConfig(secret).contactRetentionMonths).toBe(24)
    expect(loadConfig({ ...secret, CONTACT_RETENTION_MONTHS: '36' }).contactRetentionMonths).toBe(36)
    expect(() => loadConfig({ ...secret, CONTACT_RETENTION_MONTHS: '0' })).toThrow(/CONTACT_RETENTION_MONTHS/)
    expect(() => loadConfig({ ...secret, CONTACT_RETENTION_MONTHS: 'two years' })).toThrow(ConfigError)
  })

  it('names the organisation and the service, with defaults for the seed organisation', () => {
    const secret = { SECRET: 's'.repeat(32) }
    const defaults = loadConfig(secret)
    expect(defaults.organisation).toEqual({
      name: "What Works for Children's Social Care",
      dpoEmail: 'dpo@whatworks-csc.org.uk',
    })
    expect(defaults.serviceName).toBe('Your data rights')
    expect(defaults.mailFrom).toBe('Your data rights <no-reply@rights-portal.localhost>')
    expect(loadConfig({ ...secret, ORGANISATION_NAME: '', SERVICE_NAME: '' }).serviceName).toBe(
      'Your data rights',
    )

    const configured = loadConfig({
      ...secret,
      ORGANISATION_NAME: '  Example Research Trust ',
      ORGANISATION_DPO_EMAIL: ' Privacy@Example.ORG ',
      SERVICE_NAME: 'Research rights',
    })
    expect(configured.organisation).toEqual({
      name: 'Example Research Trust',
      dpoEmail: 'Privacy@example.org',
    })
    expect(configured.serviceName).toBe('Research rights')
    expect(configured.mailFrom).toBe('Research rights <no-reply@rights-portal.localhost>')
    expect(loadConfig({ ...secret, SERVICE_NAME: 'Rights, Inc.' }).mailFrom).toBe(
      '"Rights, Inc." <no-reply@rights-portal.localhost>',
    )
    expect(
      loadConfig({ ...secret, SERVICE_NAME: 'Research rights', MAIL_FROM: 'x@example.org' }).mailFrom,
    ).toBe('x@example.org')
  })

  it('takes an optional feedback address for the beta banner: a web page or an email address', () => {
    const secret = { SECRET: 's'.repeat(32) }
    expect(loadConfig(secret).feedbackUrl).toBeNull()
    expect(loadConfig({ ...secret, FEEDBACK_URL: '' }).feedbackUrl).toBeNull()
    expect(loadConfig({ ...secret, FEEDBACK_URL: 'https://forms.example.org/f' }).feedbackUrl).toBe(
      'https://forms.example.org/f',
    )
    expect(loadConfig({ ...secret, FEEDBACK_URL: 'mailto:team@example.org' }).feedbackUrl).toBe(
      'mailto:team@example.org',
    )
    expect(() => loadConfig({ ...secret, FEEDBACK_URL: 'javascript:alert(1)' })).toThrow(/FEEDBACK_URL/)
    expect(() => loadConfig({ ...secret, FEEDBACK_URL: 'not a url' })).toThrow(/FEEDBACK_URL/)
  })

  it('stops on a blank, over-long or multi-line name and an invalid DPO address, listing each', () => {
    try {
      loadConfig({
        SECRET: 's'.repeat(32),
        ORGANISATION_NAME: '   ',
        SERVICE_NAME: 'x'.repeat(121),
        ORGANISATION_DPO_EMAIL: 'not an address',
      })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const problems = (error as ConfigError).problems
      expect(problems).toContain('ORGANISATION_NAME must not be blank')
      expect(problems).toContain('SERVICE_NAME must be at most 120 characters')
      expect(problems.join('\n')).toContain('ORGANISATION_DPO_EMAIL must be an email address')
    }
    expect(() => loadConfig({ SECRET: 's'.repeat(32), SERVICE_NAME: 'Your\r\nBcc: x@example.org' })).toThrow(
      /SERVICE_NAME must be one line/,
    )
    expect(
      loadConfig({ SECRET: 's'.repeat(32), ORGANISATION_NAME: 'x'.repeat(120) }).organisation.name,
    ).toHaveLength(120)
  })

  it('trusts no proxy by default, or as many hops or such addresses as configured, never every hop', () => {
    const secret = { SECRET: 's'.repeat(32) }
    expect(loadConfig(secret).trustProxy).toBe(false)
    expect(loadConfig({ ...secret, TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(loadConfig({ ...secret, TRUST_PROXY: '1' }).trustProxy).toBe(1)
    expect(loadConfig({ ...secret, TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
    ])
    for (const everyHop of ['true', 'TRUE']) {
      try {
        loadConfig({ ...secret, TRUST_PROXY: everyHop })
        expect.unreachable()
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        const [problem] = (error as ConfigError).problems
        expect(problem).toMatch(/^TRUST_PROXY must not be true/)
        expect(problem).toContain('TRUST_PROXY=1')
      }
    }
    expect(() => loadConfig({ ...secret, TRUST_PROXY: '10.0.0.0/33' })).toThrow(
      /TRUST_PROXY.*10\.0\.0\.0\/33/,
    )
    expect(() => loadConfig({ ...secret, TRUST_PROXY: 'proxy.internal' })).toThrow(/TRUST_PROXY/)
  })

  it('shows error details only when asked for with NODE_ENV=development', () => {
    const secret = { SECRET: 's'.repeat(32) }
    expect(loadConfig(secret).showErrorDetails).toBe(false)
    expect(loadConfig({ ...secret, NODE_ENV: 'development' }).showErrorDetails).toBe(false)
    expect(
      loadConfig({ ...secret, NODE_ENV: 'development', SHOW_ERROR_DETAILS: 'true' }).showErrorDetails,
    ).toBe(true)
    for (const env of [{}, { NODE_ENV: 'production', PUBLIC_URL: 'https://rights.example.org' }]) {
      expect(() => loadConfig({ ...secret, ...env, SHOW_ERROR_DETAILS: 'true' })).toThrow(
        /SHOW_ERROR_DETAILS=true is allowed only with NODE_ENV=development/,
      )
    }
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
