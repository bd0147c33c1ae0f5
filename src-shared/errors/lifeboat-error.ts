import type { ErrorCode } from './codes.js';

/** The plain shape of an error that crosses a process or IPC boundary. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * An error classified at its source: a closed `code`, a message that says what happened and
 * where, and details (paths, entry names) a caller can show or log.
 */
export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LifeboatError';
    this.code = code;
    this.details = details;
  }

  /** The plain, serialisable form (no stack trace). */
  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Classify any thrown value as an ErrorInfo; unknown errors become INTERNAL. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof LifeboatError) return error.toInfo();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}
