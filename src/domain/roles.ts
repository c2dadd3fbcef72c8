/** Staff roles. Participants have no account: they hold secret links instead. */
export const staffRoles = ['admin', 'dpo', 'auditor'] as const

export type StaffRole = (typeof staffRoles)[number]

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (staffRoles as readonly string[]).includes(value)
}

export const roleLabels: Record<StaffRole, string> = {
  admin: 'Administrator',
  dpo: 'Data Protection Officer',
  auditor: 'Auditor',
}

export const roleDescriptions: Record<StaffRole, string> = {
  admin: 'Manages staff accounts, studies and settings, and can do everything a DPO does.',
  dpo: 'Handles requests: triage, messages, extensions, refusals and answers.',
  auditor: 'Reads everything and exports logs, but cannot change anything.',
}

/** What a role may do. Every staff route names one of these and checks it on the server. */
export type Permission = 'cases:read' | 'cases:act' | 'users:manage' | 'settings:manage' | 'audit:read'

const permissions: Record<StaffRole, readonly Permission[]> = {
  admin: ['cases:read', 'cases:act', 'users:manage', 'settings:manage', 'audit:read'],
  dpo: ['cases:read', 'cases:act', 'audit:read'],
  auditor: ['cases:read', 'audit:read'],
}

export function can(role: StaffRole, permission: Permission): boolean {
  return permissions[role].includes(permission)
}
