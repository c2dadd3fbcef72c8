import { isIsoDate, responseDeadline } from '../domain/clock.js'

export interface CommandResult {
  stdout: string
  stderr: string
  exitCode: number
}

const fail = (message: string): CommandResult => ({ stdout: '', stderr: `${message}\n`, exitCode: 2 })

/** `deadline DATE… [--extended] [--paused-days N]`: one deadline per line, in the order given. */
export function deadlineCommand(args: string[]): CommandResult {
  const dates: string[] = []
  let extended = false
  let pausedDays = 0
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--extended') {
      extended = true
    } else if (arg === '--paused-days' || arg.startsWith('--paused-days=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i]
      if (value === undefined || !/^\d{1,4}$/.test(value)) {
        return fail(
          `--paused-days needs a whole number of days, not ${value === undefined ? 'nothing' : `"${value}"`}`,
        )
      }
      pausedDays = Number(value)
    } else if (arg.startsWith('-')) {
      return fail(`Unknown option: ${arg}`)
    } else if (!isIsoDate(arg)) {
      return fail(`Not a date: "${arg}" (use YYYY-MM-DD, e.g. 2024-11-25)`)
    } else {
      dates.push(arg)
    }
  }
  if (dates.length === 0) return fail('Give at least one start date as YYYY-MM-DD')
  const lines = dates.map((start) => responseDeadline({ start, extended, pausedDays }).due)
  return { stdout: `${lines.join('\n')}\n`, stderr: '', exitCode: 0 }
}
