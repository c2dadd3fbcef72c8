import { can, type StaffRole } from './roles.js'

/**
 * What a member of staff chose to be emailed about, and who gets each email. Only those who can act
 * on requests are emailed: an auditor reads cases but never handles them.
 */

/** New confirmed requests: every one, only those assigned to me, or none. */
export const newRequestChoices = ['every', 'assigned', 'none'] as const
export type NewRequestChoice = (typeof newRequestChoices)[number]

export function isNewRequestChoice(value: unknown): value is NewRequestChoice {
  return typeof value === 'string' && (newRequestChoices as readonly string[]).includes(value)
}

export const newRequestChoiceLabels: Record<NewRequestChoice, { text: string; hint: string }> = {
  every: {
    text: 'Every new request',
    hint: 'When a request is confirmed, and when a request is assigned to you.',
  },
  assigned: { text: 'Only requests assigned to me', hint: 'When someone assigns a request to you.' },
  none: { text: 'None', hint: 'You still see every request in the queue.' },
}

export interface NotificationPreferences {
  newRequests: NewRequestChoice
  /** The person replied on a case assigned to me, or on one nobody is assigned to. */
  replies: boolean
  /** A morning summary of what is due soon, overdue, or waiting for an acknowledgement. */
  digest: boolean
}

const nothing: NotificationPreferences = { newRequests: 'none', replies: false, digest: false }

/** Whether the role is emailed at all: only those who can act on requests. */
export function isNotifiedRole(role: StaffRole): boolean {
  return can(role, 'cases:act')
}

/** Before anyone chooses: a DPO hears of every new request, an administrator of those assigned to them. */
export function defaultPreferences(role: StaffRole): NotificationPreferences {
  if (!isNotifiedRole(role)) return nothing
  return { newRequests: role === 'dpo' ? 'every' : 'assigned', replies: true, digest: true }
}

/** What applies to a member of staff: their choice, or their role's defaults; nothing for an auditor. */
export function preferencesFor(
  role: StaffRole,
  chosen: NotificationPreferences | null | undefined,
): NotificationPreferences {
  if (!isNotifiedRole(role)) return nothing
  return chosen ?? defaultPreferences(role)
}

/** A member of staff who could be emailed, with the choices that apply to them. */
export interface StaffRecipient {
  id: string
  email: string
  displayName: string
  role: StaffRole
  preferences: NotificationPreferences
}

const notified = (staff: readonly StaffRecipient[]) => staff.filter((s) => isNotifiedRole(s.role))

/**
 * A request was confirmed: everyone who chose every new request, and its assignee if it already
 * has one and they chose requests assigned to them. Whoever made the change knows already.
 */
export function newRequestRecipients(
  staff: readonly StaffRecipient[],
  request: { assigneeId: string | null },
  actorId: string | null,
): StaffRecipient[] {
  return notified(staff).filter(
    (s) =>
      s.id !== actorId &&
      (s.preferences.newRequests === 'every' ||
        (s.preferences.newRequests === 'assigned' && s.id === request.assigneeId)),
  )
}

/** A request was assigned: the new assignee, unless they assigned it to themselves or chose none. */
export function assignmentRecipients(
  staff: readonly StaffRecipient[],
  assigneeId: string,
  actorId: string | null,
): StaffRecipient[] {
  if (assigneeId === actorId) return []
  return notified(staff).filter((s) => s.id === assigneeId && s.preferences.newRequests !== 'none')
}

/**
 * The person replied: the assignee, if they chose replies. A case nobody is assigned to (or whose
 * assignee can no longer act on it) goes to everyone who chose replies.
 */
export function replyRecipients(
  staff: readonly StaffRecipient[],
  assigneeId: string | null,
): StaffRecipient[] {
  const candidates = notified(staff)
  const assignee = candidates.find((s) => s.id === assigneeId)
  if (assignee) return assignee.preferences.replies ? [assignee] : []
  return candidates.filter((s) => s.preferences.replies)
}

/** Who gets the daily digest. */
export function digestRecipients(staff: readonly StaffRecipient[]): StaffRecipient[] {
  return notified(staff).filter((s) => s.preferences.digest)
}
