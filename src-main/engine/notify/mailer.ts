import type { Transporter } from 'nodemailer';
import type { SmtpSettings } from '../../../src-shared/ipc/contract.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { EngineEnv } from '../engine-env.js';
import { withOffsite } from './outcomes.js';
import { withRunLog } from './receipt.js';
import { render, type Outcome } from './templates.js';

/** `#<event id> <hash prefix>` of the audit event that recorded an outcome, or "(none)". */
export function auditReference(env: EngineEnv, id: string, archive?: string): string {
  const rows = env.catalog.audit.query({ search: id.length >= 8 ? id : undefined, limit: 500 }).rows.concat(archive ? env.catalog.audit.query({ search: archive, limit: 50 }).rows : []);
  const event = rows.find((e) => (e.target === id || (archive !== undefined && e.target === archive)) && /\.(complete|fail|rollback|refused)$/.test(e.action));
  return event ? `#${event.id} ${event.hash.slice(0, 16)}` : '(none)';
}

/** How a delivery went; a failed one is recorded, never thrown at the backup. */
export interface Delivery {
  readonly sent: boolean;
  readonly error: string | null;
  readonly auditRef: string;
}

/**
 * Refuse, before connecting, to log in where the password would leak or is missing: AUTH over a
 * connection without TLS needs the explicit `allowCleartextAuth` opt-in, and a user with no stored
 * password (dropped because the server changed) is asked for it rather than sent an empty one.
 */
export function assertSafeAuth(s: SmtpSettings, password: string | undefined): void {
  if (!s.user) return;
  if (s.security === 'none' && !s.allowCleartextAuth) {
    throw new LifeboatError(
      'USAGE',
      `Refused to send the SMTP password for ${s.user} to ${s.host}:${s.port} without TLS. Choose STARTTLS or TLS in Settings → Email, or tick "Allow the password over an unencrypted connection" if this server is on a trusted network.`,
      { host: s.host, port: s.port },
    );
  }
  if (password === undefined) {
    throw new LifeboatError('USAGE', `No SMTP password is stored for ${s.user} at ${s.host}:${s.port} (a password is kept only for the server it was entered for). Enter it in Settings → Email.`, {
      host: s.host,
      port: s.port,
    });
  }
}

/** nodemailer is loaded on first use: most runs send no email. */
async function transport(s: SmtpSettings, password: string | undefined): Promise<Transporter> {
  assertSafeAuth(s, password);
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    ...(s.user ? { auth: { user: s.user, pass: password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

/**
 * Emails backup and restore outcomes, once per job (deduplicated), after the outcome is in the
 * audit trail, whose reference each email carries. An SMTP failure never fails the job: it is
 * recorded as a failed `notify.email` audit event and returned.
 */
export class Mailer {
  private readonly sentFor = new Set<string>();

  constructor(
    private readonly env: EngineEnv,
    private readonly settings: () => SmtpSettings | null,
    private readonly password: () => string | undefined,
  ) {}

  /** Whether this outcome is configured to be mailed. */
  wants(o: Outcome): boolean {
    const s = this.settings();
    return s !== null && (o.ok ? s.onSuccess : s.onFailure);
  }

  async send(o: Outcome, extra: { attachReceipt?: boolean } = {}): Promise<Delivery | null> {
    const s = this.settings();
    if (!s || !this.wants(o)) return null;
    // One email per job; attempts refused before a job existed have no id to deduplicate on.
    const key = `${o.kind}:${o.id}:${o.ok ? 'ok' : 'failed'}`;
    if (o.id !== 'not-started') {
      if (this.sentFor.has(key)) return null;
      this.sentFor.add(key);
    }
    const auditRef = auditReference(this.env, o.id, o.kind === 'restore' ? o.archive : undefined);
    // issue 12 item 6: the job's run log goes at the end of the email and its receipt.
    const msg = withRunLog(this.env, o.id, render(withOffsite(this.env, o), { actor: this.env.actor, host: this.env.host, at: this.env.now(), auditRef }));
    let error: string | null = null;
    try {
      await (await transport(s, this.password())).sendMail({
        from: s.from,
        to: s.to,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        headers: { 'X-Lifeboat-Audit': auditRef, 'X-Lifeboat-Id': o.id },
        ...(extra.attachReceipt !== false ? { attachments: [{ filename: `lifeboat-receipt-${o.id.slice(0, 8)}.html`, content: msg.html, contentType: 'text/html' }] } : {}),
      });
    } catch (e) {
      error = `${(e as { code?: string }).code ?? 'SMTP'}: ${(e as Error).message}`;
    }
    this.env.catalog.audit.append({
      actor: this.env.actor,
      action: 'notify.email',
      target: o.id,
      outcome: error ? 'failure' : 'success',
      details: { to: s.to, subject: msg.subject, error },
    });
    return { sent: error === null, error, auditRef };
  }
}

/** "Send test email" in Settings: one message to the configured recipients, the error if it fails. */
export async function sendTestEmail(s: SmtpSettings, password: string | undefined): Promise<{ sent: boolean; error: string | null }> {
  try {
    await (await transport(s, password)).sendMail({
      from: s.from,
      to: s.to,
      subject: '[Lifeboat] Test email',
      text: 'This is a test email from Lifeboat. Backup and restore notifications will arrive like this one.',
    });
    return { sent: true, error: null };
  } catch (e) {
    return { sent: false, error: `${(e as { code?: string }).code ?? 'SMTP'}: ${(e as Error).message}` };
  }
}
