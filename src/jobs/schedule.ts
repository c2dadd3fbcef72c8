import type { Config } from '../config.js'
import type { Services } from '../services.js'
import { runMaintenance } from './maintenance.js'
import type { ScheduledJob } from './scheduler.js'

/** Delivers what is waiting in the outbox; the server's sender, or any stand-in in tests. */
export interface MailDelivery {
  deliverDue(now: Date): Promise<unknown>
}

/** How often the outbox is drained; short, so a confirmation link arrives within seconds. */
export const mailDeliveryEverySeconds = 5

/**
 * The server's in-process jobs, in one list: mail delivery, maintenance, the staff digest and the
 * retention sweep.
 * Each runs once at start and then at its interval (see `startScheduler`).
 */
export function scheduledJobs(services: Services, mail: MailDelivery, jobs: Config['jobs']): ScheduledJob[] {
  return [
    {
      name: 'deliver-mail',
      everySeconds: mailDeliveryEverySeconds,
      run: () => mail.deliverDue(services.now()),
    },
    {
      name: 'maintenance',
      everySeconds: jobs.intervalSeconds,
      run: (signal) => runMaintenance(services, { signal }),
    },
    // Sends each day's digest once, from the morning on; checked at the maintenance interval.
    {
      name: 'staff-digest',
      everySeconds: jobs.intervalSeconds,
      run: () => services.notifications.sendDigests(),
    },
    {
      name: 'retention-sweep',
      everySeconds: jobs.sweepIntervalSeconds,
      run: async () => {
        const report = await services.sweep.run()
        // Counts only: the log is no place for record ids beyond what an operator can look up.
        return {
          checked: report.checked,
          holdingsDeleted: report.holdingsDeleted,
          erased: report.erased,
          deferred: report.deferred.length,
        }
      },
    },
  ]
}
