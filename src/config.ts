import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'
import { z } from 'zod'
import { isValidEmail, normaliseEmail } from './domain/email-address.js'

export interface Config {
  env: 'development' | 'production' | 'test'
  port: number
  /** The interface the server listens on. */
  host: string
  publicUrl: string
  secureCookies: boolean
  dataDir: string
  database: { client: 'sqlite'; filename: string } | { client: 'postgres'; connectionString: string }
  smtpUrl: string | null
  mailFrom: string
  secret: string
  /** Set when the secret was generated on this start, so start-up can warn about it. */
  secretGenerated: boolean
  /** Express's `trust proxy`: no proxy, how many proxies in front, or the proxies' addresses. */
  trustProxy: TrustProxy
  /** The stack on the 500 page: only when asked for, in development. */
  showErrorDetails: boolean
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent'
  jobs: { enabled: boolean; intervalSeconds: number; sweepIntervalSeconds: number }
  /** Calendar months a closed request keeps the requester's contact details. */
  contactRetentionMonths: number
  /** Calendar months a closed case keeps its free text: details, letters, notes, tasks, reasons. */
  caseTextRetentionMonths: number
  /** Days between telling the person a restriction will be lifted and lifting it (Art. 18(3)). */
  restrictionNoticeDays: number
  /** Days from a complaint's receipt to the organisation's own target for its outcome (not statutory). */
  complaintResponseTargetDays: number
  /** The organisation that runs the portal: the header, footer, page titles, staff emails. */
  organisation: {
    name: string
    /** Its Data Protection Officer, the contact on pages that are not about one study. */
    dpoEmail: string
    /** Its postal address, line by line, at the top of letters printed to post; none when unset. */
    postalAddress?: string[]
  }
  /** The portal's name: the service navigation, page titles, emails, the sign-in app's issuer. */
  serviceName: string
  /** Where the phase banner's feedback link goes; absent, it emails the Data Protection Officer. */
  feedbackUrl: string | null
  /** Where the audit trail's signed heads are made and kept, outside the database. */
  audit: {
    /** The Ed25519 private key (PEM) that signs the heads; created, mode 0600, on first use. */
    signingKeyFile: string
    /** One signed head per line, appended at each verification and each export. */
    anchorFile: string
  }
}

export type TrustProxy = false | number | string[]

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value)

/** The names Express's `trust proxy` accepts for ranges of addresses. */
const proxyRangeNames = ['loopback', 'linklocal', 'uniquelocal']

/** An address or a subnet (`10.0.0.0/8`, `fd00::/8`, `10.0.0.0/255.0.0.0`) as `trust proxy` reads it. */
function isProxyAddress(entry: string): boolean {
  if (proxyRangeNames.includes(entry)) return true
  const [address = '', range, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  if (range === undefined) return true
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (version === 4 ? 32 : 128)
  return version === 4 && isIP(range) === 4
}

/**
 * `false`, a number of hops or a list of addresses, never "every hop": trusting every hop lets a
 * client pick its own address with X-Forwarded-For, and so its own rate-limit counter.
 */
const trustProxySetting = z
  .string()
  .trim()
  .transform((value, ctx): TrustProxy => {
    if (value === 'false') return false
    if (/^\d{1,2}$/.test(value)) return Number(value)
    if (/^(true|yes|on|\*)$/i.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must not be true, which trusts every hop so that anyone can choose their address with ' +
          'X-Forwarded-For: give the number of proxies in front of the portal (such as TRUST_PROXY=1) ' +
          'or their addresses (such as TRUST_PROXY=loopback or TRUST_PROXY=10.0.0.0/8)',
      })
      return z.NEVER
    }
    const entries = value.split(',').map((entry) => entry.trim())
    const wrong = entries.filter((entry) => !isProxyAddress(entry))
    if (wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message:
          `must be false, a number of proxies (such as 1) or a comma-separated list of addresses or ` +
          `subnets (such as loopback, 10.0.0.0/8); not an address: ${wrong.join(', ')}`,
      })
      return z.NEVER
    }
    return entries
  })

/** A name shown on every page: trimmed, not blank, one line, short enough for the header. */
const displayName = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .min(1, 'must not be blank')
      .max(120, 'must be at most 120 characters')
      .regex(/^[^\p{Cc}]*$/u, 'must be one line, without control characters')
      .default(fallback),
  )

const schema = z.object({
  NODE_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
  HOST: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(?:[0-9a-f.:]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*)$/i, 'must be an IP address or a host name')
      .optional(),
  ),
  PUBLIC_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(postgres|postgresql|sqlite):/, 'must start with postgres://, postgresql:// or sqlite:')
      .optional(),
  ),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  SMTP_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
      .optional(),
  ),
  /** Absent: the service name, from no-reply@rights-portal.localhost. */
  MAIL_FROM: z.preprocess(emptyToUndefined, z.string().optional()),
  SECRET: z.preprocess(
    emptyToUndefined,
    z.string().min(32, 'must be at least 32 characters (use: openssl rand -hex 32)').optional(),
  ),
  TRUST_PROXY: z.preprocess(emptyToUndefined, trustProxySetting.default(false)),
  SHOW_ERROR_DETAILS: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'),
  ),
  JOBS: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('on')),
  JOBS_INTERVAL_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(5).default(300)),
  SWEEP_INTERVAL_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(60).default(86400)),
  CONTACT_RETENTION_MONTHS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1).max(1200).default(24),
  ),
  CASE_TEXT_RETENTION_MONTHS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1).max(1200).default(24),
  ),
  RESTRICTION_NOTICE_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(90).default(7)),
  COMPLAINT_RESPONSE_TARGET_DAYS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1).max(365).default(30),
  ),
  ORGANISATION_NAME: displayName("What Works for Children's Social Care"),
  ORGANISATION_DPO_EMAIL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform(normaliseEmail)
      .refine(isValidEmail, 'must be an email address, such as dpo@example.org')
      .default('dpo@whatworks-csc.org.uk'),
  ),
  ORGANISATION_ADDRESS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .max(300, 'must be at most 300 characters')
      .regex(/^[^\p{Cc}]*$/u, 'must be one line, its lines separated by commas')
      .transform((typed) =>
        typed
          .split(',')
          .map((line) => line.trim())
          .filter((line) => line !== ''),
      )
      .optional(),
  ),
  SERVICE_NAME: displayName('Your data rights'),
  FEEDBACK_URL: z.preprocess(
    emptyToUndefined,
    z.url({ protocol: /^(https?|mailto)$/, error: 'must be an http(s) or mailto: URL' }).optional(),
  ),
  AUDIT_SIGNING_KEY_FILE: z.preprocess(emptyToUndefined, z.string().optional()),
  AUDIT_ANCHOR_FILE: z.preprocess(emptyToUndefined, z.string().optional()),
})

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment once; every problem is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env)
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`)
  // Checked apart from the schema so they are listed even when other variables are invalid.
  if (env.NODE_ENV === 'production') {
    if (!env.SECRET) problems.push('SECRET is required when NODE_ENV=production')
    if (!env.PUBLIC_URL) problems.push('PUBLIC_URL is required when NODE_ENV=production')
  }
  // The default NODE_ENV is development too, so details need both asked for by name.
  if (env.SHOW_ERROR_DETAILS === 'true' && env.NODE_ENV !== 'development') {
    problems.push('SHOW_ERROR_DETAILS=true is allowed only with NODE_ENV=development')
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems)
  const e = parsed.data
  const dataDir = path.resolve(e.DATA_DIR)
  const port = e.PORT
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')
  const { secret, generated } = e.SECRET
    ? { secret: e.SECRET, generated: false }
    : readOrCreateSecret(dataDir)
  const database: Config['database'] =
    e.DATABASE_URL && /^postgres(ql)?:/.test(e.DATABASE_URL)
      ? { client: 'postgres', connectionString: e.DATABASE_URL }
      : {
          client: 'sqlite',
          filename: e.DATABASE_URL
            ? e.DATABASE_URL.replace(/^sqlite:(\/\/)?/, '')
            : path.join(dataDir, 'portal.sqlite'),
        }
  return {
    env: e.NODE_ENV,
    port,
    // Only this machine can reach a development portal; in production every interface, as a
    // container or a proxy on another host needs, unless HOST narrows it.
    host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    dataDir,
    database,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM ?? `${mailboxName(e.SERVICE_NAME)} <no-reply@rights-portal.localhost>`,
    secret,
    secretGenerated: generated,
    trustProxy: e.TRUST_PROXY,
    showErrorDetails: e.SHOW_ERROR_DETAILS === 'true' && env.NODE_ENV === 'development',
    logLevel: e.LOG_LEVEL,
    jobs: {
      enabled: e.JOBS === 'on',
      intervalSeconds: e.JOBS_INTERVAL_SECONDS,
      sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    },
    contactRetentionMonths: e.CONTACT_RETENTION_MONTHS,
    caseTextRetentionMonths: e.CASE_TEXT_RETENTION_MONTHS,
    restrictionNoticeDays: e.RESTRICTION_NOTICE_DAYS,
    complaintResponseTargetDays: e.COMPLAINT_RESPONSE_TARGET_DAYS,
    organisation: {
      name: e.ORGANISATION_NAME,
      dpoEmail: e.ORGANISATION_DPO_EMAIL,
      ...(e.ORGANISATION_ADDRESS?.length ? { postalAddress: e.ORGANISATION_ADDRESS } : {}),
    },
    serviceName: e.SERVICE_NAME,
    feedbackUrl: e.FEEDBACK_URL ?? null,
    audit: {
      signingKeyFile: path.resolve(e.AUDIT_SIGNING_KEY_FILE ?? path.join(dataDir, 'audit-signing-key.pem')),
      anchorFile: path.resolve(e.AUDIT_ANCHOR_FILE ?? path.join(dataDir, 'audit-anchors.log')),
    },
  }
}

/** A display name for a From header: as it is when plain words, otherwise quoted. */
function mailboxName(name: string): string {
  return /^[\w !#$%&'*+/=?^`{|}~-]*$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`
}

/** Without SECRET, a random one is kept in the data folder so links and HMACs survive restarts. */
function readOrCreateSecret(dataDir: string): { secret: string; generated: boolean } {
  const file = path.join(dataDir, 'secret')
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim()
    if (stored.length >= 32) return { secret: stored, generated: true }
  }
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('hex')
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { secret, generated: true }
}
