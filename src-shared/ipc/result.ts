import type { ErrorInfo } from '../errors/lifeboat-error.js';

/** What every request channel returns: a value, or a classified error (never a stack trace). */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

/** Wrap a value. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Wrap an error. */
export function fail<T = never>(error: ErrorInfo): Result<T> {
  return { ok: false, error };
}
