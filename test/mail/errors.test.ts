import { describe, expect, it } from 'vitest';
import { classifySmtpError, MailSendError } from '../../src/mail/index.js';

function smtpError(code: string | undefined, responseCode?: number) {
  return Object.assign(new Error(`${code} ${responseCode}`), {
    ...(code && { code }),
    ...(responseCode !== undefined && { responseCode, response: `${responseCode} text` }),
  });
}

describe('classifySmtpError', () => {
  it.each([
    [smtpError('EMESSAGE', 450), false],
    [smtpError('EENVELOPE', 452), false],
    [smtpError('ECONNECTION', 421), false],
    [smtpError('EPROTOCOL', 503), false],
    [smtpError('EMESSAGE', 550), true],
    [smtpError('EENVELOPE', 553), true],
    [smtpError('EMESSAGE', 554), true],
    [smtpError('EAUTH', 535), false],
    [smtpError('EENVELOPE', 530), false],
    [smtpError('ENOAUTH'), false],
    [smtpError('ECONNECTION'), false],
    [smtpError('ETIMEDOUT'), false],
    [smtpError('ESOCKET'), false],
    [smtpError('EDNS'), false],
    [smtpError('ETLS'), false],
    [smtpError('EABORT'), false],
    [smtpError('ECONFIG'), true],
    [smtpError('EENVELOPE'), true],
    [smtpError(undefined), false],
    [new Error('something odd'), false],
    ['a string', false],
  ])('%s → permanent: %s', (error, permanent) => {
    const classified = classifySmtpError(error);
    expect(classified).toBeInstanceOf(MailSendError);
    expect(classified.permanent).toBe(permanent);
    expect(classified.cause).toBe(error);
  });

  it('keeps the reply code, error code and response', () => {
    const classified = classifySmtpError(smtpError('EMESSAGE', 552));
    expect(classified).toMatchObject({ smtpCode: 552, code: 'EMESSAGE', response: '552 text' });
  });

  it('passes a MailSendError through', () => {
    const error = new MailSendError('x', { permanent: true });
    expect(classifySmtpError(error)).toBe(error);
  });
});
