import { once } from 'node:events'
import { Router, type Response } from 'express'
import type { Logger } from 'pino'
import { formatLongDate, londonDate } from '../domain/clock.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { requirePermission } from '../web/staff-auth.js'
import type { VerificationRun } from './repo.js'
import type { BreakKind } from './verify.js'

const breakLabels: Record<BreakKind, string> = {
  changed: 'An event was changed',
  deleted: 'An event is missing',
  reordered: 'Events are out of order',
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
    breakText: broken
      ? `${broken.eventId ? `Event ${broken.seq}${broken.eventKind ? ` (${broken.eventKind})` : ''}` : `Seq ${broken.seq}`}: ${broken.detail}.`
      : null,
  }
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
        : { kind: 'error', text: 'The audit trail is broken. The first break is shown below.' }
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
    const { lines } = await audit.exportTrail({ type: 'staff', id: req.staffUser!.id })
    await streamLines(res, lines, services.log)
  })

  return router
}

/** Writes as fast as the client reads; stops reading the database if the client goes away. */
async function streamLines(res: Response, lines: AsyncGenerator<string>, log: Logger): Promise<void> {
  try {
    for await (const line of lines) {
      if (res.destroyed) break
      if (!res.write(line)) await drainedOrClosed(res)
    }
    if (!res.destroyed) res.end()
  } catch (error) {
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
