import { daysBetween } from './clock.js'

export type Urgency = 'overdue' | 'due_soon' | 'on_track'

/** "Due soon" is 7 days or fewer (SPEC §5); overdue is past the due date. */
export const dueSoonDays = 7

export function urgency(dueOn: string, today: string): { daysLeft: number; urgency: Urgency } {
  const daysLeft = daysBetween(today, dueOn)
  return {
    daysLeft,
    urgency: daysLeft < 0 ? 'overdue' : daysLeft <= dueSoonDays ? 'due_soon' : 'on_track',
  }
}

export function describeDaysLeft(daysLeft: number): string {
  if (daysLeft < 0) return `${-daysLeft} ${-daysLeft === 1 ? 'day' : 'days'} overdue`
  if (daysLeft === 0) return 'Due today'
  return `${daysLeft} ${daysLeft === 1 ? 'day' : 'days'} left`
}
