/** A failure of a client-side workflow with a stable code and hints for the operator. */
export class ExecError extends Error {
  constructor(readonly code: string, message: string, readonly suggestions: string[] = []) {
    super(message);
  }
}
