import type { EventName, Events, LifeboatApi, PageChannel, RequestOf, Responses } from '../../src-shared/ipc/contract';
import type { ErrorInfo } from '../../src-shared/errors/lifeboat-error';
import { ERROR_HINTS } from '../../src-shared/errors/codes';

declare global {
  interface Window {
    readonly lifeboat: LifeboatApi;
  }
}

/** An IPC error as the UI shows it: what happened, and what to do. */
export class UiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
  get hint(): string {
    return ERROR_HINTS[this.info.code];
  }
}

/** Call a channel; resolves to its value or throws a UiError carrying {code, message, details}. */
export async function call<C extends PageChannel>(channel: C, payload: RequestOf<C>): Promise<Responses[C]> {
  const result = await window.lifeboat.invoke(channel, payload);
  if (!result.ok) throw new UiError(result.error);
  return result.value;
}

/** Subscribe to a main-process event; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  return window.lifeboat.on(event, listener);
}

/** The text for any caught error. */
export function errorText(e: unknown): { message: string; hint: string | null; code: string | null } {
  if (e instanceof UiError) return { message: e.info.message, hint: e.hint, code: e.info.code };
  return { message: e instanceof Error ? e.message : String(e), hint: null, code: null };
}
