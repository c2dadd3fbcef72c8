import type { AccountsService } from '../accounts/service.js'
import { systemActor } from '../audit/events.js'
import { NotFoundError } from '../errors.js'
import type { CommandResult } from './deadline.js'

const usageError = (message: string): CommandResult => ({
  stdout: '',
  stderr: `${message}\nUsage: unlock-user ADDRESS\n`,
  exitCode: 2,
})

/** `unlock-user ADDRESS`: the one account to unlock, or why the arguments are wrong. */
export function parseUnlockUserArgs(args: string[]): { email: string } | CommandResult {
  const unknown = args.find((arg) => arg.startsWith('-'))
  if (unknown) return usageError(`Unknown option: ${unknown}`)
  if (args.length !== 1 || !args[0])
    return usageError('unlock-user needs the email address of one staff account')
  return { email: args[0] }
}

/** Clears every network's failed sign-ins and locks on the account, recorded as the command line. */
export async function unlockUserCommand(accounts: AccountsService, email: string): Promise<CommandResult> {
  try {
    const { user, locksCleared } = await accounts.unlockByEmail(systemActor('cli'), email)
    const locks =
      locksCleared === 0 ? 'no network was locked out' : `${locksCleared} locked-out network(s) cleared`
    return {
      stdout: `Unlocked ${user.email}: ${locks}; failed sign-ins reset. They can sign in again from anywhere.\n`,
      stderr: '',
      exitCode: 0,
    }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    return { stdout: '', stderr: `No staff account with the address ${email}\n`, exitCode: 1 }
  }
}
