import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto'
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { newId } from '../security/tokens.js'

/** The key that signs the heads of the audit trail, kept in a file the database cannot reach. */
export interface SigningKey {
  privateKey: KeyObject
  publicKey: KeyObject
  /** The SHA-256 (hex) of the public key's DER encoding: the key's fingerprint. */
  keyId: string
}

/** The fingerprint an Ed25519 public key is known by in signed heads and on the audit page. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
}

/** A public key as the trailer of an export carries it: base64 of its DER (SPKI) encoding. */
export function publicKeyText(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString()
}

/** An Ed25519 public key from base64 DER, or from a PEM file's text (public or private). */
export function parsePublicKey(text: string): KeyObject {
  const key = text.includes('-----BEGIN')
    ? createPublicKey(text)
    : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' })
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key')
  return key
}

function fromPem(pem: string, file: string): SigningKey {
  const privateKey = createPrivateKey(pem)
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${file} does not hold an Ed25519 private key`)
  }
  const publicKey = createPublicKey(privateKey)
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) }
}

/** The signing key, or null when it has not been created yet. */
export function readSigningKey(file: string): SigningKey | null {
  if (!existsSync(file)) return null
  return fromPem(readFileSync(file, 'utf8'), file)
}

/**
 * The signing key, created on first use (mode 0600). The new key is written whole to a file of
 * its own and then linked into place, so a process starting at the same moment reads either no
 * key or the complete one, and the first to link wins.
 */
export function readOrCreateSigningKey(file: string): SigningKey {
  const existing = readSigningKey(file)
  if (existing) return existing
  mkdirSync(path.dirname(file), { recursive: true })
  const { privateKey } = generateKeyPairSync('ed25519')
  const draft = `${file}.${newId()}.tmp`
  writeFileSync(draft, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  chmodSync(draft, 0o600)
  try {
    linkSync(draft, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    unlinkSync(draft)
  }
  return fromPem(readFileSync(file, 'utf8'), file)
}
