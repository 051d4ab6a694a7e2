export { type AutomationSignals, type AutomationVerdict, detectAutomated } from './automated.js';
export { isTicketCandidate } from './build.js';
export { EmailParseError, type EmailParseErrorCode } from './errors.js';
export { normalizeMessageId, parseMessageIdList } from './message-id.js';
export { parseRawEmail } from './parse.js';
export {
  fromMailgunForm,
  type MailgunConvertOptions,
  type MailgunInboundFields,
  type MailgunSignatureResult,
  mailgunInboundFieldsSchema,
  verifyMailgunSignature,
} from './providers/mailgun.js';
export {
  fromPostmarkJson,
  type PostmarkInboundPayload,
  postmarkInboundSchema,
} from './providers/postmark.js';
export {
  fromSendGridForm,
  type SendGridConvertOptions,
  type SendGridInboundFields,
  sendGridInboundFieldsSchema,
} from './providers/sendgrid.js';
export { describeUpload, readWebhookForm, type UploadedFile } from './providers/shared.js';
export { stripQuotedReply } from './reply-strip.js';
export type {
  HeaderField,
  HeaderList,
  InboundAttachment,
  InboundEmail,
  InboundParseOptions,
} from './types.js';
