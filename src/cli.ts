import { randomBytes } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { systemActor } from './audit/events.js'
import { ImportFailedError, importEmailRecords, type ImportReport } from './records/import.js'
import { describeVerification, parseAuditVerifyArgs, verifyTrailFile } from './cli/audit-verify.js'
import { deadlineCommand } from './cli/deadline.js'
import { parseUnlockUserArgs, unlockUserCommand } from './cli/unlock-user.js'
import { fillDemo } from './demo.js'
import { isStaffRole } from './domain/roles.js'
import { ValidationError } from './errors.js'
import { ConfigError, loadConfig } from './config.js'
import { createDb } from './db/knex.js'
import { migrateLatest } from './db/migrate.js'
import { runMaintenance } from './jobs/maintenance.js'
import { createLogger } from './logger.js'
import { mailSender } from './mail/sender.js'
import { createMailTransport } from './mail/transport.js'
import { createServices } from './services.js'

const usage = `Usage: npm run -s cli -- <command> [options]

Commands:
  deadline DATE… [--extended] [--paused-days N]
                      Print the statutory response deadline for each YYYY-MM-DD start date.
  create-user --email ADDRESS --role admin|dpo|auditor [--name NAME]
                      Create a staff account. The password is read from standard input when
                      it is piped; otherwise a strong one is generated and printed once.
  unlock-user ADDRESS Let a staff account sign in again from anywhere: clear its failed sign-ins and
                      every network's lock.
  import-records --study SLUG FILE
                      Import a survey platform CSV export of email records for a study:
                      all rows or none, with a report of every rejected row.
  sweep [--dry-run]   Delete email addresses whose retention periods have run out, except under a
                      restriction or while a request for the record is open. --dry-run only says
                      what it would do.
  demo                Fill an empty database with demo data: three studies, a few hundred email
                      records in every retention state, requests of every type and status, and
                      three staff accounts (admin, dpo, auditor @demo.test) with a printed password.
  migrate             Apply database migrations.
  maintenance         Close unconfirmed requests older than 7 days (removing what they held),
                      prune expired sessions and rate-limit counters, minimise old sent mail,
                      remove the contents of downloads past their 30 days, and remove the
                      requester's address and name from requests closed longer than
                      CONTACT_RETENTION_MONTHS (24 by default); the same for complaints:
                      unconfirmed ones lapse after 7 days, closed ones lose the person's details.
  send-mail           Deliver the mail waiting in the outbox now.
  audit-verify [--file PATH [--public-key PEM]]
                      Check the audit trail's hash chain: the database's against every signed head
                      (recording the check and signing its head into AUDIT_ANCHOR_FILE), or an
                      exported NDJSON file offline against its signed trailer (--public-key: the
                      key it must be signed by). Exit code 0 intact, 1 broken or tampered, 2 usage.
  help                Show this help.
`

const cliBusyTimeoutMs = 120_000

async function withServices<T>(
  work: (services: ReturnType<typeof createServices>) => Promise<T>,
): Promise<T> {
  const config = loadConfig()
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
  // An operator's command waits longer than a web request for the server's writes to finish.
  const db = createDb(config.database, { busyTimeoutMs: cliBusyTimeoutMs })
  try {
    await migrateLatest(db)
    const services = createServices({ db, config, log })
    // Address keys written before they were case-folded are brought up to date, as at start-up.
    await services.rekeyAddresses()
    return await work(services)
  } finally {
    await db.destroy()
  }
}

function option(args: string[], name: string): string | undefined {
  const index = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (index < 0) return undefined
  const arg = args[index] as string
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1]
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

async function createUser(args: string[]): Promise<number> {
  const email = option(args, 'email')
  const role = option(args, 'role')
  if (!email || !isStaffRole(role)) {
    process.stderr.write('create-user needs --email ADDRESS and --role admin|dpo|auditor\n')
    return 2
  }
  const piped = process.stdin.isTTY ? '' : await readStdin()
  const generated = piped === '' ? randomBytes(18).toString('base64url') : undefined
  const password = generated ?? piped
  return withServices(async (services) => {
    try {
      const user = await services.accounts.createUser({
        email,
        role,
        displayName: option(args, 'name') ?? email.split('@')[0] ?? email,
        password,
      })
      console.log(`Created ${user.role} account for ${user.email}.`)
      if (generated) console.log(`Password (shown once, store it safely): ${generated}`)
      return 0
    } catch (error) {
      if (error instanceof ValidationError) {
        for (const problem of error.errors) process.stderr.write(`${problem.field}: ${problem.text}\n`)
        return 2
      }
      throw error
    }
  })
}

async function importRecords(args: string[]): Promise<number> {
  const slug = option(args, 'study')
  const file = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--study').at(-1)
  if (!slug || !file) {
    process.stderr.write('import-records needs --study SLUG and a CSV file\n')
    return 2
  }
  if (!existsSync(file)) {
    process.stderr.write(`No such file: ${file}\n`)
    return 2
  }
  return withServices(async (services) => {
    const study = await services.studies.findBySlug(slug)
    if (!study) {
      process.stderr.write(`No study with slug ${slug}\n`)
      return 2
    }
    let report: ImportReport
    try {
      report = await importEmailRecords(
        { db: services.db, secret: services.config.secret, now: services.now },
        { studyId: study.id, open: () => createReadStream(file), actor: systemActor('cli') },
      )
    } catch (error) {
      // Both say only what went wrong, never a row of the file.
      if (error instanceof ValidationError) {
        for (const problem of error.errors) process.stderr.write(`Nothing imported: ${problem.text}.\n`)
        return 1
      }
      if (error instanceof ImportFailedError) {
        process.stderr.write(`${error.message}.\n`)
        return 1
      }
      throw error
    }
    if (report.unknownColumns.length > 0) console.log(`Ignored columns: ${report.unknownColumns.join(', ')}`)
    if (!report.imported) {
      process.stderr.write(`Nothing imported: ${report.rejectedCount} of ${report.rows} rows rejected.\n`)
      for (const row of report.rejected) process.stderr.write(`  line ${row.line}: ${row.reason}\n`)
      if (report.rejectedCount > report.rejected.length) {
        process.stderr.write(`  … and ${report.rejectedCount - report.rejected.length} more\n`)
      }
      return 1
    }
    console.log(
      `Imported ${report.rows} rows: ${report.created} new, ${report.updated} updated, ${report.unchanged} unchanged, ${report.skippedErased} already erased (not restored).`,
    )
    return 0
  })
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  switch (command) {
    case 'deadline': {
      const result = deadlineCommand(args)
      process.stdout.write(result.stdout)
      process.stderr.write(result.stderr)
      return result.exitCode
    }
    case 'create-user':
      return createUser(args)
    case 'demo':
      return withServices(async (services) => {
        const report = await fillDemo({ db: services.db, config: services.config, log: services.log })
        console.log(`Demo data added: ${report.records} email records, ${report.requests} requests.`)
        console.log(`Staff accounts: ${report.staff.join(', ')}`)
        console.log(`Password for all three (shown once): ${report.password}`)
        return 0
      })
    case 'sweep':
      return withServices(async (services) => {
        const report = await services.sweep.run({ dryRun: args.includes('--dry-run') })
        const verb = report.dryRun ? 'Would delete' : 'Deleted'
        console.log(
          `Checked ${report.checked} records. ${verb} ${report.holdingsDeleted} holdings and ${report.dryRun ? 'would erase' : 'erased'} ${report.erased} addresses.`,
        )
        for (const d of report.deferred) console.log(`Deferred ${d.recordId}: ${d.reason}`)
        return 0
      })
    case 'unlock-user': {
      const parsed = parseUnlockUserArgs(args)
      const result =
        'exitCode' in parsed
          ? parsed
          : await withServices((services) => unlockUserCommand(services.accounts, parsed.email))
      process.stdout.write(result.stdout)
      process.stderr.write(result.stderr)
      return result.exitCode
    }
    case 'import-records':
      return importRecords(args)
    case 'migrate':
      return withServices(() => {
        console.log('Database is up to date.')
        return Promise.resolve(0)
      })
    case 'maintenance':
      return withServices(async (services) => {
        const report = await runMaintenance(services)
        console.log(`Unconfirmed requests closed as unverified: ${report.unconfirmedClosed}`)
        console.log(`Expired sessions removed: ${report.sessionsPruned}`)
        console.log(`Rate-limit counters removed: ${report.rateCountersPruned}`)
        console.log(`Sent messages minimised: ${report.sentMailMinimised}`)
        console.log(`Expired downloads removed: ${report.expiredFilesPurged}`)
        console.log(`Closed requests' contact details removed: ${report.contactsPurged}`)
        console.log(`Unconfirmed complaints closed as unverified: ${report.complaintsLapsed}`)
        console.log(`Closed complaints' contact details removed: ${report.complaintContactsRemoved}`)
        return 0
      })
    case 'audit-verify': {
      const parsed = parseAuditVerifyArgs(args)
      const result =
        'exitCode' in parsed
          ? parsed
          : parsed.file
            ? await verifyTrailFile(parsed.file, parsed.publicKey)
            : await withServices(async (services) => {
                const run = await services.audit.verify('cli')
                const signed = run.signedHead
                  ? `head signed by key ${run.signedHead.keyId} into ${services.audit.anchorFile}`
                  : undefined
                return describeVerification(run, signed)
              })
      process.stdout.write(result.stdout)
      process.stderr.write(result.stderr)
      return result.exitCode
    }
    case 'send-mail':
      return withServices(async (services) => {
        const transport = createMailTransport(services.config)
        try {
          const report = await mailSender(
            services.db,
            transport,
            services.config.mailFrom,
            services.log,
          ).deliverDue(new Date(), { limit: 1000 })
          console.log(
            `Sent ${report.sent}, will retry ${report.retried}, failed ${report.failed} (${transport.description}).`,
          )
          return report.failed > 0 ? 1 : 0
        } finally {
          transport.close()
        }
      })
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(usage)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${usage}`)
      return 2
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message)
    else console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
