import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { isValidEmail, normaliseEmail } from './domain/email-address.js'

export interface Config {
  env: 'development' | 'production' | 'test'
  port: number
  publicUrl: string
  secureCookies: boolean
  dataDir: string
  database: { client: 'sqlite'; filename: string } | { client: 'postgres'; connectionString: string }
  smtpUrl: string | null
  mailFrom: string
  secret: string
  /** Set when the secret was generated on this start, so start-up can warn about it. */
  secretGenerated: boolean
  trustProxy: boolean
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent'
  jobs: { enabled: boolean; intervalSeconds: number; sweepIntervalSeconds: number }
  /** Calendar months a closed request keeps the requester's contact details. */
  contactRetentionMonths: number
  /** The organisation that runs the portal: the header, footer, page titles, staff emails. */
  organisation: {
    name: string
    /** Its Data Protection Officer, the contact on pages that are not about one study. */
    dpoEmail: string
  }
  /** The portal's name: the service navigation, page titles, emails, the sign-in app's issuer. */
  serviceName: string
}

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value)

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
  TRUST_PROXY: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')),
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
  ORGANISATION_NAME: displayName("What Works for Children's Social Care"),
  ORGANISATION_DPO_EMAIL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform(normaliseEmail)
      .refine(isValidEmail, 'must be an email address, such as dpo@example.org')
      .default('dpo@whatworks-csc.org.uk'),
  ),
  SERVICE_NAME: displayName('Your data rights'),
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
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    dataDir,
    database,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM ?? `${mailboxName(e.SERVICE_NAME)} <no-reply@rights-portal.localhost>`,
    secret,
    secretGenerated: generated,
    trustProxy: e.TRUST_PROXY === 'true',
    logLevel: e.LOG_LEVEL,
    jobs: {
      enabled: e.JOBS === 'on',
      intervalSeconds: e.JOBS_INTERVAL_SECONDS,
      sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    },
    contactRetentionMonths: e.CONTACT_RETENTION_MONTHS,
    organisation: { name: e.ORGANISATION_NAME, dpoEmail: e.ORGANISATION_DPO_EMAIL },
    serviceName: e.SERVICE_NAME,
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
