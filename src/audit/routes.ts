import { once } from 'node:events'
import { Router, type Response } from 'express'
import type { Logger } from 'pino'
import { formatLongDate, londonDate } from '../domain/clock.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { requirePermission } from '../web/staff-auth.js'
import type { VerificationRun } from './repo.js'
import type { TrailCheck } from './service.js'
import type { SignedHead } from './signed-head.js'
import type { BreakKind } from './verify.js'

const breakLabels: Record<BreakKind, string> = {
  changed: 'An event was changed',
  deleted: 'An event is missing',
  reordered: 'Events are out of order',
  rewritten: 'The trail was rewritten after its head was signed',
  truncated: 'Events signed for are missing from the end',
  unsigned: 'A signed head does not verify',
  unanchored: 'A signed head was deleted from the database',
}

const londonTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

function formatInstant(iso: string): string {
  const at = new Date(iso)
  return `${formatLongDate(londonDate(at))} at ${londonTime.format(at)}`
}

function describe(run: VerificationRun) {
  const broken = run.firstBreak
  return {
    ...run,
    when: formatInstant(run.verifiedAt),
    by: run.verifiedBy === 'cli' ? 'The command line' : (run.verifierName ?? 'A former staff account'),
    breakLabel: broken ? breakLabels[broken.kind] : null,
    breakText: broken ? `${breakPlace(broken)}${broken.detail}.` : null,
  }
}

function breakPlace(broken: NonNullable<VerificationRun['firstBreak']>): string {
  if (broken.seq === null) return ''
  if (!broken.eventId) return `Seq ${broken.seq}: `
  return `Event ${broken.seq}${broken.eventKind ? ` (${broken.eventKind})` : ''}: `
}

function describeSignedHead(head: SignedHead | null) {
  return head ? { ...head, when: formatInstant(head.at) } : null
}

const resultFlash = {
  broken: 'The audit trail is broken. The first break is shown below.',
  tampered:
    'The audit trail was tampered with: it no longer agrees with a head signed before. What failed is shown below.',
}

/** The auditor's view of the hash-chained trail: verify it now, or download it to verify elsewhere. */
export function auditRoutes(services: Services): Router {
  const router = Router()
  const { audit } = services

  router.get(paths.staff.audit.pattern, requirePermission('audit:read'), async (_req, res) => {
    const runs = (await audit.recentVerifications(10)).map(describe)
    res.render('audit/trail', {
      title: 'Audit trail',
      last: runs[0],
      earlier: runs.slice(1),
      signedHead: describeSignedHead(await audit.latestSignedHead()),
      signingKey: audit.signingKey(),
    })
  })

  router.post(paths.staff.auditVerify.pattern, requirePermission('audit:read'), async (req, res) => {
    const run = await audit.verify({ staffId: req.staffUser!.id })
    req.session.flash =
      run.result === 'ok'
        ? {
            kind: 'success',
            text: `The audit trail is intact: ${run.eventsChecked.toLocaleString('en-GB')} events checked.`,
          }
        : { kind: 'error', text: resultFlash[run.result] }
    res.redirect(303, paths.staff.audit())
  })

  router.get(paths.staff.auditTrailExport.pattern, requirePermission('audit:read'), async (req, res) => {
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8')
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="audit-trail-${londonDate(services.now())}.ndjson"`,
    )
    res.setHeader('Cache-Control', 'no-store')
    // A HEAD request downloads nothing, so nothing is exported or recorded.
    if (req.method === 'HEAD') return res.end()
    const trail = await audit.exportTrail({ type: 'staff', id: req.staffUser!.id })
    await streamTrail(res, trail.writeTo, services.log)
  })

  return router
}

/** The client went away: the rest of the trail is not read. */
class DownloadAbandoned extends Error {}

/** Writes as fast as the client reads; stops reading the database if the client goes away. */
async function streamTrail(
  res: Response,
  writeTo: (write: (line: string) => Promise<void>) => Promise<TrailCheck>,
  log: Logger,
): Promise<void> {
  const write = async (line: string) => {
    if (res.destroyed) throw new DownloadAbandoned()
    if (!res.write(line)) await drainedOrClosed(res)
  }
  try {
    const outcome = await writeTo(write)
    // The file goes out whole but unsigned, so `audit-verify --file` fails it as the portal did.
    if (!outcome.signedHead) {
      log.warn({ result: outcome.result }, 'audit trail exported without a signed trailer: it is not intact')
    }
    if (!res.destroyed) res.end()
  } catch (error) {
    if (error instanceof DownloadAbandoned) return
    // The headers are sent: cut the download short so it cannot pass for a whole trail.
    log.error({ err: error }, 'audit trail export failed')
    res.destroy()
  }
}

async function drainedOrClosed(res: Response): Promise<void> {
  const done = new AbortController()
  try {
    await Promise.race([
      once(res, 'drain', { signal: done.signal }),
      once(res, 'close', { signal: done.signal }),
    ])
  } finally {
    done.abort()
  }
}
