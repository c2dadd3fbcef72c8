import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { Db } from './db/knex.js'
import { emailHmac } from './domain/email-address.js'
import { staffRepo } from './accounts/repo.js'
import { auditService } from './audit/service.js'
import { answersService } from './answers/service.js'
import { accountsService } from './accounts/service.js'
import { casesRepo } from './cases/repo.js'
import { complaintsRepo } from './complaints/repo.js'
import { complaintService } from './complaints/service.js'
import { complaintHandling } from './complaints/handling.js'
import { caseService } from './cases/service.js'
import { intakeService } from './intake/service.js'
import { groupCommit } from './db/group-commit.js'
import { confirmationReminders } from './notifications/reminder.js'
import { notificationsRepo } from './notifications/repo.js'
import { notificationService } from './notifications/service.js'
import { recordsRepo } from './records/repo.js'
import { reportsService } from './reports/service.js'
import { recordTaskService } from './records/changes.js'
import { importEmailRecords } from './records/import.js'
import { rekeyAddressKeys } from './records/rekey.js'
import { retentionSweep } from './records/sweep.js'
import { requestWriter } from './requests/change.js'
import { requestsRepo } from './requests/repo.js'
import { studiesRepo } from './studies/repo.js'
import { studiesService } from './studies/service.js'
import { settingsService } from './settings/service.js'
import { templatesService } from './templates/service.js'
import { rateLimiter } from './web/rate-limit.js'
import { KnexSessionStore } from './web/session-store.js'

/** Builds every service once, from the database and configuration; routes receive them whole. */
export function createServices(deps: { db: Db; config: Config; log: Logger; now?: () => Date }) {
  const { db, config, log } = deps
  const now = deps.now ?? (() => new Date())
  const requests = requestsRepo(db)
  const studies = studiesRepo(db)
  const { serviceName } = config
  const organisationName = config.organisation.name
  const templates = templatesService({ db, now })
  const records = recordsRepo(db)
  const staff = staffRepo(db)
  const complaintRows = complaintsRepo(db)
  const notificationRows = notificationsRepo(db)
  /** Writes from requests arriving together (submissions, sessions) share one commit. */
  const commits = groupCommit(db)
  const limiter = rateLimiter(db, now)
  /** Emails to staff about their work, each queued with the change that causes it. */
  const notifications = notificationService({
    db,
    repo: notificationRows,
    publicUrl: config.publicUrl,
    serviceName,
    organisationName,
    now,
  })
  const writer = requestWriter({
    db,
    requests,
    studies,
    publicUrl: config.publicUrl,
    serviceName,
    now,
  })
  const caseHandling = caseService({
    db,
    secret: config.secret,
    publicUrl: config.publicUrl,
    serviceName,
    requests,
    studies,
    writer,
    records,
    staff,
    now,
    restrictionNoticeDays: config.restrictionNoticeDays,
    notifications,
  })
  /** Complaints: the person's journey, the acknowledgement, letters to the person, minimisation. */
  const complaints = complaintService({
    db,
    secret: config.secret,
    publicUrl: config.publicUrl,
    serviceName,
    organisation: config.organisation,
    complaints: complaintRows,
    studies,
    requests,
    templates,
    now,
    responseTargetDays: config.complaintResponseTargetDays,
  })
  const complaintStaff = complaintHandling({
    db,
    secret: config.secret,
    complaints: complaintRows,
    studies,
    requests,
    staff,
    templates,
    sendToPerson: complaints.sendToPerson,
    organisation: config.organisation,
    now,
    responseTargetDays: config.complaintResponseTargetDays,
  })
  return {
    db,
    config,
    log,
    now,
    serviceName,
    organisationName,
    requests,
    studies,
    studyAdmin: studiesService({ db, studies, now }),
    intake: intakeService({
      db,
      secret: config.secret,
      publicUrl: config.publicUrl,
      serviceName,
      requests,
      studies,
      records,
      writer,
      now,
      receiptTemplate: async () => (await templates.get('receipt')).body,
      notifications,
      commits,
      limiter,
    }),
    notifications,
    /** The one reminder to confirm, 48 hours after a request nobody confirmed. */
    reminders: confirmationReminders({
      db,
      repo: notificationRows,
      requests,
      studies,
      publicUrl: config.publicUrl,
      serviceName,
      now,
    }),
    accounts: accountsService({
      db,
      secret: config.secret,
      publicUrl: config.publicUrl,
      serviceName,
      organisationName,
      staff,
      now,
    }),
    cases: casesRepo(db),
    records,
    sweep: retentionSweep({ db, records, studies, requests, now }),
    recordTasks: recordTaskService(db, now),
    /** Imports a study's export of email records: all rows or none, with a report. */
    importRecords: (input: Parameters<typeof importEmailRecords>[1]) =>
      importEmailRecords({ db, secret: config.secret, now }, input),
    caseHandling,
    answers: answersService({ db, caseHandling, requests, now }),
    templates,
    complaintRows,
    complaints,
    /** Staff handling of complaints: the queue's actions, logging, outcomes. */
    complaintHandling: complaintStaff,
    reports: reportsService({ db, now }),
    settings: settingsService({ db, now }),
    audit: auditService({ db, now, ...config.audit }),
    limiter,
    sessionStore: new KnexSessionStore(db, now, log, undefined, commits),
    /** Start-up work: rows keyed before address keys were case-folded get the folded key. */
    rekeyAddresses: () => rekeyAddressKeys({ db, secret: config.secret, log }),
    /** The keyed hash rate limits and lookups use in place of an address. */
    emailKey: (normalisedEmail: string) => emailHmac(config.secret, normalisedEmail),
  }
}

export type Services = ReturnType<typeof createServices>
