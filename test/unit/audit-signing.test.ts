import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { anchorLog } from '../../src/audit/anchor-log.js'
import {
  anchorLine,
  parseSignedHead,
  signatureHolds,
  signHead,
  trailerLine,
} from '../../src/audit/signed-head.js'
import { readOrCreateSigningKey, readSigningKey } from '../../src/audit/signing-key.js'
import { loadConfig } from '../../src/config.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-signing-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const head = {
  id: 'b9c0e1d2-0000-4000-8000-000000000001',
  at: '2026-03-02T10:00:00.000Z',
  reason: 'verified' as const,
  count: 12,
  headSeq: 14,
  headHash: 'ab'.repeat(32),
}

describe('the audit signing key', () => {
  it('is created on first use, readable by its owner only, and the same key afterwards', () => {
    const file = path.join(dir, 'keys', 'audit-signing-key.pem')
    expect(readSigningKey(file)).toBeNull()
    const created = readOrCreateSigningKey(file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(created.privateKey.asymmetricKeyType).toBe('ed25519')
    expect(created.keyId).toMatch(/^[0-9a-f]{64}$/)
    expect(readOrCreateSigningKey(file).keyId).toBe(created.keyId)
    expect(readSigningKey(file)?.keyId).toBe(created.keyId)
  })

  it('refuses a key file that holds another kind of key', () => {
    const file = path.join(dir, 'audit-signing-key.pem')
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }))
    expect(() => readOrCreateSigningKey(file)).toThrow(/not hold an Ed25519 private key|does not hold/)
  })

  it('is kept in the data folder unless configured elsewhere', () => {
    const defaults = loadConfig({ DATA_DIR: dir, SECRET: 'x'.repeat(32) })
    expect(defaults.audit).toEqual({
      signingKeyFile: path.join(dir, 'audit-signing-key.pem'),
      anchorFile: path.join(dir, 'audit-anchors.log'),
    })
    const configured = loadConfig({
      DATA_DIR: dir,
      SECRET: 'x'.repeat(32),
      AUDIT_SIGNING_KEY_FILE: '/etc/portal/audit-key.pem',
      AUDIT_ANCHOR_FILE: 'anchors/audit.log',
    })
    expect(configured.audit).toEqual({
      signingKeyFile: '/etc/portal/audit-key.pem',
      anchorFile: path.resolve('anchors/audit.log'),
    })
  })
})

describe('a signed head', () => {
  it('is signed over the canonical JSON of its fields, checkable without this code', () => {
    const key = readOrCreateSigningKey(path.join(dir, 'key.pem'))
    const signed = signHead(head, key)
    const line = JSON.parse(anchorLine(signed)) as Record<string, unknown>
    const { signature, ...content } = line
    const canonical = `{${Object.keys(content)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(content[k])}`)
      .join(',')}}`
    const publicKey = createPublicKey(key.privateKey)
    expect(verify(null, Buffer.from(canonical), publicKey, Buffer.from(signature as string, 'base64'))).toBe(
      true,
    )
    expect(parseSignedHead(line)).toEqual(signed)
  })

  it('no longer verifies when any field is changed, or with another key', () => {
    const key = readOrCreateSigningKey(path.join(dir, 'key.pem'))
    const signed = signHead(head, key)
    expect(signatureHolds(signed, key.publicKey)).toBe(true)
    for (const changed of [
      { count: 13 },
      { headSeq: 15 },
      { headHash: 'cd'.repeat(32) },
      { at: '2026-03-03T10:00:00.000Z' },
      { reason: 'exported' as const },
      { id: 'another' },
      { signature: 'AAAA' },
    ]) {
      expect(signatureHolds({ ...signed, ...changed }, key.publicKey), JSON.stringify(changed)).toBe(false)
    }
    const other = readOrCreateSigningKey(path.join(dir, 'other.pem'))
    expect(signatureHolds(signed, other.publicKey)).toBe(false)
  })

  it('is one line of the anchor log, read back in order with its line number', async () => {
    const key = readOrCreateSigningKey(path.join(dir, 'key.pem'))
    const log = anchorLog(path.join(dir, 'logs', 'audit-anchors.log'))
    expect(await log.read()).toEqual([])
    const first = signHead(head, key)
    const second = signHead({ ...head, id: 'second', count: 20 }, key)
    await log.append(first)
    await log.append(second)
    expect(statSync(log.file).mode & 0o777).toBe(0o600)
    expect(readFileSync(log.file, 'utf8').split('\n')).toHaveLength(3)
    expect(await log.read()).toEqual([
      { line: 1, head: first },
      { line: 2, head: second },
    ])
    writeFileSync(log.file, `${readFileSync(log.file, 'utf8')}not json\n${trailerLine(first, 'k')}`)
    const entries = await log.read()
    expect(entries.slice(2)).toEqual([
      { line: 3, head: null },
      { line: 4, head: null },
    ])
  })
})
