export { classifySmtpError, MailSendError } from './errors.js';
export { isValidMessageId } from './headers.js';
export { renderHtmlFromText } from './html.js';
export {
  checkDailyCap,
  dayStartUtc,
  neverSendReason,
  recipientKey,
  shouldNeverSendTo,
} from './loop.js';
export { InMemoryMailer } from './memory.js';
export {
  createSmtpMailer,
  mailerFromUrl,
} from './smtp.js';
export { domainOf, newMessageId, replyAddress, threadIds } from './threading.js';
export type { Mailer, OutboundEmail } from './types.js';
