/**
 * What the launcher tells an operator when it cannot do what was asked: a stable code (the CLI maps
 * it to an exit status), the message, and what to do about it. Every provider throws this one shape.
 */
export class ProviderError extends Error {
  constructor(readonly code: string, message: string, readonly suggestions: string[] = []) {
    super(message);
  }
}
