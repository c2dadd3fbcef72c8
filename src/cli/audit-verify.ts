import type { KeyObject } from 'node:crypto'
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { MalformedTrailLine, readTrail } from '../audit/ndjson.js'
import { signatureHolds, type TrailTrailer } from '../audit/signed-head.js'
import { keyIdOf, parsePublicKey } from '../audit/signing-key.js'
import { tamperingKinds, verifyChain, type ChainBreak, type ChainVerification } from '../audit/verify.js'
import type { CommandResult } from './deadline.js'

const usageError = (message: string): CommandResult => ({
  stdout: '',
  stderr: `${message}\nUsage: audit-verify [--file PATH [--public-key PEM]]\n`,
  exitCode: 2,
})

export interface AuditVerifyArgs {
  file: string | null
  /** A PEM file with the public key the file's trailer must be signed by. */
  publicKey: string | null
}

/** `audit-verify [--file PATH [--public-key PEM]]`: where the trail comes from, or why the arguments are wrong. */
export function parseAuditVerifyArgs(args: string[]): AuditVerifyArgs | CommandResult {
  const parsed: AuditVerifyArgs = { file: null, publicKey: null }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    const option = (['--file', '--public-key'] as const).find((o) => arg === o || arg.startsWith(`${o}=`))
    if (!option) return usageError(`Unknown argument: ${arg}`)
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i]
    if (option === '--file') {
      if (!value) return usageError('--file needs the path of an exported trail')
      parsed.file = value
    } else {
      if (!value) return usageError('--public-key needs the path of a PEM public key')
      parsed.publicKey = value
    }
  }
  if (parsed.publicKey && !parsed.file) return usageError('--public-key checks an exported file: give --file')
  return parsed
}

/**
 * One line: intact with the head to compare against (and what signed it, when `signed` says),
 * or where the first break is and what it is — `tampered` when every link holds but the trail
 * disagrees with a signed head.
 */
export function describeVerification(
  result: Pick<ChainVerification, 'eventsChecked' | 'head' | 'firstBreak'>,
  signed?: string,
): CommandResult {
  const checked = result.eventsChecked.toLocaleString('en-GB')
  const broken = result.firstBreak
  if (!broken) {
    const head = result.head ? `; last event seq ${result.head.seq}, hash ${result.head.hash}` : ''
    const signature = signed ? `; ${signed}` : ''
    return {
      stdout: `Audit trail intact: ${checked} events checked${head}${signature}.\n`,
      stderr: '',
      exitCode: 0,
    }
  }
  const state = tamperingKinds.has(broken.kind) ? 'tampered' : 'broken'
  const which =
    broken.seq === null
      ? ''
      : broken.eventId
        ? ` at seq ${broken.seq} (id ${broken.eventId}, kind ${broken.eventKind ?? 'unknown'})`
        : ` at seq ${broken.seq}`
  return {
    stdout: `Audit trail ${state}${which}: ${broken.kind}, ${broken.detail}; ${checked} events intact before it.\n`,
    stderr: '',
    exitCode: 1,
  }
}

/**
 * What is wrong with an exported file's signed trailer, given the intact chain read before it:
 * missing (the download was cut short), not signed by the key it carries or by the trusted key,
 * or naming another count or head than the file holds.
 */
export function trailerProblem(
  verification: Pick<ChainVerification, 'eventsChecked' | 'head'>,
  trailer: TrailTrailer | null,
  trusted: KeyObject | null,
): ChainBreak | null {
  const problem = (kind: ChainBreak['kind'], detail: string, seq: number | null = null): ChainBreak => ({
    kind,
    seq,
    eventId: null,
    eventKind: null,
    detail,
  })
  if (!trailer) {
    return problem(
      'truncated',
      'the file ends without its signed trailer: it was cut short, or the trail was not intact when it was exported',
    )
  }
  const { head } = trailer
  let key: KeyObject
  try {
    key = parsePublicKey(trailer.publicKey)
  } catch {
    return problem('unsigned', 'the trailer does not carry an Ed25519 public key')
  }
  if (keyIdOf(key) !== head.keyId) {
    return problem('unsigned', `the trailer names key ${head.keyId}, but carries key ${keyIdOf(key)}`)
  }
  if (trusted && keyIdOf(trusted) !== head.keyId) {
    return problem(
      'unsigned',
      `the trailer was signed by key ${head.keyId}, not the trusted key ${keyIdOf(trusted)}`,
    )
  }
  if (!signatureHolds(head, key)) {
    return problem('unsigned', 'the trailer’s signature does not verify: the trailer was edited')
  }
  if (head.count !== verification.eventsChecked) {
    return problem(
      head.count > verification.eventsChecked ? 'truncated' : 'rewritten',
      `the file holds ${verification.eventsChecked} events, but its trailer signed ${head.count}`,
      head.headSeq,
    )
  }
  const last = verification.head
  if (!last || last.seq !== head.headSeq || last.hash !== head.headHash) {
    return problem(
      'rewritten',
      `the file's last event (seq ${last?.seq ?? 'none'}) is not the head its trailer signed (seq ${head.headSeq}, hash ${head.headHash})`,
      head.headSeq,
    )
  }
  return null
}

/**
 * Checks an exported trail offline: the chain, then its signed trailer. No configuration or
 * database is needed; `publicKeyFile` pins the key the trailer must be signed by.
 */
export async function verifyTrailFile(
  file: string,
  publicKeyFile: string | null = null,
): Promise<CommandResult> {
  if (!existsSync(file) || !statSync(file).isFile()) return usageError(`No such file: ${file}`)
  let trusted: KeyObject | null = null
  if (publicKeyFile) {
    if (!existsSync(publicKeyFile)) return usageError(`No such file: ${publicKeyFile}`)
    try {
      trusted = parsePublicKey(readFileSync(publicKeyFile, 'utf8'))
    } catch {
      return usageError(`${publicKeyFile} does not hold an Ed25519 public key in PEM`)
    }
  }
  const read: { trailer: TrailTrailer | null } = { trailer: null }
  try {
    const verification = await verifyChain(
      readTrail(createReadStream(file), (trailer) => {
        read.trailer = trailer
      }),
    )
    if (!verification.ok) return describeVerification(verification)
    const problem = trailerProblem(verification, read.trailer, trusted)
    if (problem || !read.trailer) return describeVerification({ ...verification, firstBreak: problem })
    const { head } = read.trailer
    return describeVerification(
      verification,
      `signed at ${head.at} by key ${head.keyId}${trusted ? ', the trusted key' : ' (not checked against a trusted key: pass --public-key)'}`,
    )
  } catch (error) {
    if (!(error instanceof MalformedTrailLine)) throw error
    return { stdout: `Audit trail broken: ${error.message}.\n`, stderr: '', exitCode: 1 }
  }
}
