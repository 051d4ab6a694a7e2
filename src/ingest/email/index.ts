export { EmailParseError } from './errors.js';
export { parseRawEmail } from './parse.js';
export {
  fromMailgunForm,
  verifyMailgunSignature,
} from './providers/mailgun.js';
export {
  fromPostmarkJson,
  postmarkInboundSchema,
} from './providers/postmark.js';
export { fromSendGridForm } from './providers/sendgrid.js';
