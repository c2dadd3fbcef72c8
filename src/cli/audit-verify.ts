import { createReadStream, existsSync, statSync } from 'node:fs'
import { MalformedTrailLine, readTrail } from '../audit/ndjson.js'
import { verifyChain, type ChainVerification } from '../audit/verify.js'
import type { CommandResult } from './deadline.js'

const usageError = (message: string): CommandResult => ({
  stdout: '',
  stderr: `${message}\nUsage: audit-verify [--file PATH]\n`,
  exitCode: 2,
})

/** `audit-verify [--file PATH]`: where the trail comes from, or why the arguments are wrong. */
export function parseAuditVerifyArgs(args: string[]): { file: string | null } | CommandResult {
  let file: string | null = null
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--file' || arg.startsWith('--file=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i]
      if (!value) return usageError('--file needs the path of an exported trail')
      file = value
    } else {
      return usageError(`Unknown argument: ${arg}`)
    }
  }
  return { file }
}

/** One line: intact with the head to compare against, or where the first break is and what it is. */
export function describeVerification(
  result: Pick<ChainVerification, 'eventsChecked' | 'head' | 'firstBreak'>,
): CommandResult {
  const checked = result.eventsChecked.toLocaleString('en-GB')
  const broken = result.firstBreak
  if (!broken) {
    const head = result.head ? `; last event seq ${result.head.seq}, hash ${result.head.hash}` : ''
    return { stdout: `Audit trail intact: ${checked} events checked${head}.\n`, stderr: '', exitCode: 0 }
  }
  const which = broken.eventId
    ? `seq ${broken.seq} (id ${broken.eventId}, kind ${broken.eventKind ?? 'unknown'})`
    : `seq ${broken.seq}`
  return {
    stdout: `Audit trail broken at ${which}: ${broken.kind}, ${broken.detail}; ${checked} events intact before it.\n`,
    stderr: '',
    exitCode: 1,
  }
}

/** Checks an exported trail offline: no configuration or database is needed. */
export async function verifyTrailFile(file: string): Promise<CommandResult> {
  if (!existsSync(file) || !statSync(file).isFile()) return usageError(`No such file: ${file}`)
  try {
    return describeVerification(await verifyChain(readTrail(createReadStream(file))))
  } catch (error) {
    if (!(error instanceof MalformedTrailLine)) throw error
    return { stdout: `Audit trail broken: ${error.message}.\n`, stderr: '', exitCode: 1 }
  }
}
