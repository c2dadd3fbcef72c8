import type { StaffRole } from './roles.js'

/** A member of staff with an account on the workspace. */
export interface StaffUser {
  id: string
  email: string
  displayName: string
  role: StaffRole
  passwordHash: string | null
  totpSecret: string | null
  totpEnabled: boolean
  totpLastStep: number | null
  failedLogins: number
  lockedUntil: string | null
  disabledAt: string | null
  /** When the password was last reset from an emailed link; a session begun before it is over. */
  passwordChangedAt: string | null
  lastLoginAt: string | null
  createdAt: string
  updatedAt: string
}
