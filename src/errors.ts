export interface FieldError {
  /** The field's name, as in the form. */
  field: string
  text: string
  /** Anchor for the error summary: '#field-id'. */
  href: string
}

export class ValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(`Invalid input: ${errors.map((e) => e.field).join(', ')}`)
    this.name = 'ValidationError'
  }
}

export class NotFoundError extends Error {
  constructor(message = 'Not found') {
    super(message)
    this.name = 'NotFoundError'
  }
}

export class ForbiddenError extends Error {
  constructor(message = 'Forbidden') {
    super(message)
    this.name = 'ForbiddenError'
  }
}

export class ConflictError extends Error {
  constructor(message = 'Conflict') {
    super(message)
    this.name = 'ConflictError'
  }
}

export class BadRequestError extends Error {
  constructor(message = 'Bad request') {
    super(message)
    this.name = 'BadRequestError'
  }
}

export class TooManyRequestsError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests')
    this.name = 'TooManyRequestsError'
  }
}
