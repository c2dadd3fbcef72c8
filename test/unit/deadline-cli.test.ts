import { describe, expect, it } from 'vitest'
import { deadlineCommand } from '../../src/cli/deadline.js'

describe('deadline command', () => {
  it('prints one deadline per date, in the order given', () => {
    expect(deadlineCommand(['2024-11-25', '2025-01-31', '2025-09-03'])).toEqual({
      stdout: '2024-12-27\n2025-02-28\n2025-10-03\n',
      stderr: '',
      exitCode: 0,
    })
  })

  it('extends and pauses, with flags anywhere', () => {
    expect(deadlineCommand(['--extended', '2025-01-31']).stdout).toBe('2025-04-30\n')
    expect(deadlineCommand(['2025-09-03', '--paused-days', '5']).stdout).toBe('2025-10-08\n')
    expect(deadlineCommand(['2025-09-03', '--paused-days=5']).stdout).toBe('2025-10-08\n')
  })

  it.each([
    [['2025-02-30'], '2025-02-30'],
    [['tomorrow'], 'tomorrow'],
    [[], 'at least one'],
    [['2025-09-03', '--paused-days', '-3'], '-3'],
    [['2025-09-03', '--paused-days'], 'nothing'],
    [['2025-09-03', '--paused-days=x'], 'x'],
    [['2025-09-03', '--fast'], '--fast'],
  ])('rejects %j with a clear error and exit code 2', (args, mentioned) => {
    const result = deadlineCommand(args)
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(mentioned)
  })
})
