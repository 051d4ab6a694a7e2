export { type PreparedEmail, prepareEmail } from './compose.js';
export { classifySmtpError, MailSendError } from './errors.js';
export { cleanHeaderText, isValidMessageId, normalizeAddress } from './headers.js';
export { escapeHtml, renderHtmlFromText } from './html.js';
export {
  checkDailyCap,
  type DailyCapVerdict,
  dayStartUtc,
  type NeverSendReason,
  neverSendReason,
  recipientKey,
  shouldNeverSendTo,
} from './loop.js';
export { InMemoryMailer, type SentEmail } from './memory.js';
export {
  createSmtpMailer,
  DEFAULT_SMTP_TIMEOUTS,
  mailerFromUrl,
  type SmtpMailerOptions,
  type SmtpTimeouts,
  smtpUrlSchema,
} from './smtp.js';
export { domainOf, newMessageId, replyAddress, threadIds } from './threading.js';
export type { Mailer, MailSender, OutboundEmail, SendResult } from './types.js';
