import pino, { type Logger } from 'pino'

/** Email addresses and secret tokens never reach the log, even inside an error message. */
export function redactSecrets(text: string): string {
  return text
    .replace(/[^\s@'"<>(),;:]+@[^\s@'"<>(),;:]+/g, '[email]')
    .replace(/[A-Za-z0-9_-]{40,}/g, '[token]')
}

export function createLogger(level: pino.LevelWithSilent): Logger {
  return pino({
    level,
    base: undefined,
    serializers: {
      err: (error: unknown) => {
        if (!(error instanceof Error)) return { message: redactSecrets(String(error)) }
        return {
          type: error.name,
          message: redactSecrets(error.message),
          stack: error.stack ? redactSecrets(error.stack) : undefined,
          code: (error as { code?: unknown }).code,
        }
      },
    },
  })
}
