/**
 * Child process for test/faults/unhandled-rejection: installs the production crash handlers, then
 * leaves a promise rejected with nobody awaiting it — a connection error (as postgres.js does when
 * a connection drops while it fetches array types) or a programming error.
 */
import { pino } from 'pino';
import { installCrashHandlers } from '../../../src/runtime.js';

installCrashHandlers(pino({ level: 'info' }));
const kind = process.argv[2];
const error =
  kind === 'connection'
    ? Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    : new TypeError("Cannot read properties of undefined (reading 'id')");
void Promise.reject(error);
setTimeout(() => {
  console.log('still running');
  process.exit(0);
}, 300);
