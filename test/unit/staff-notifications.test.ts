import { describe, expect, it } from 'vitest'
import {
  assignmentRecipients,
  defaultPreferences,
  digestRecipients,
  newRequestRecipients,
  preferencesFor,
  replyRecipients,
  type NotificationPreferences,
  type StaffRecipient,
} from '../../src/domain/staff-notifications.js'
import type { StaffRole } from '../../src/domain/roles.js'

const person = (id: string, role: StaffRole, chosen?: Partial<NotificationPreferences>): StaffRecipient => ({
  id,
  email: `${id}@portal.test`,
  displayName: id,
  role,
  preferences: preferencesFor(role, chosen ? { ...defaultPreferences(role), ...chosen } : null),
})

const ids = (staff: StaffRecipient[]) => staff.map((s) => s.id)

describe('who is emailed about what', () => {
  it('defaults: a DPO hears of every new request, an administrator of those assigned, an auditor of nothing', () => {
    expect(defaultPreferences('dpo')).toEqual({ newRequests: 'every', replies: true, digest: true })
    expect(defaultPreferences('admin')).toEqual({ newRequests: 'assigned', replies: true, digest: true })
    expect(defaultPreferences('auditor')).toEqual({ newRequests: 'none', replies: false, digest: false })
    // Even a stored choice does not email an auditor.
    expect(preferencesFor('auditor', { newRequests: 'every', replies: true, digest: true })).toEqual(
      defaultPreferences('auditor'),
    )
  })

  const staff = [
    person('dpo', 'dpo'),
    person('quiet', 'dpo', { newRequests: 'none', replies: false, digest: false }),
    person('admin', 'admin'),
    person('auditor', 'auditor'),
  ]

  it('a confirmed request: those who chose every one, and an assignee who chose theirs, not the actor', () => {
    expect(ids(newRequestRecipients(staff, { assigneeId: null }, null))).toEqual(['dpo'])
    expect(ids(newRequestRecipients(staff, { assigneeId: 'admin' }, null))).toEqual(['dpo', 'admin'])
    expect(ids(newRequestRecipients(staff, { assigneeId: null }, 'dpo'))).toEqual([])
  })

  it('an assignment: the assignee unless they chose none or assigned it to themselves', () => {
    expect(ids(assignmentRecipients(staff, 'admin', 'dpo'))).toEqual(['admin'])
    expect(ids(assignmentRecipients(staff, 'dpo', 'admin'))).toEqual(['dpo'])
    expect(ids(assignmentRecipients(staff, 'quiet', 'dpo'))).toEqual([])
    expect(ids(assignmentRecipients(staff, 'admin', 'admin'))).toEqual([])
  })

  it('a reply: the assignee if they chose replies; unassigned, everyone who did', () => {
    expect(ids(replyRecipients(staff, 'admin'))).toEqual(['admin'])
    expect(ids(replyRecipients(staff, 'quiet'))).toEqual([])
    expect(ids(replyRecipients(staff, null))).toEqual(['dpo', 'admin'])
    // An assignee who can no longer be emailed (disabled, say) leaves the case as if unassigned.
    expect(ids(replyRecipients(staff, 'gone'))).toEqual(['dpo', 'admin'])
  })

  it('the digest: everyone who chose it, never an auditor', () => {
    expect(ids(digestRecipients(staff))).toEqual(['dpo', 'admin'])
  })
})
