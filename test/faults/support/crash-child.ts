/**
 * Child process for test/faults/crash-handlers: installs the production crash handlers, then
 * fails the way argv[2] says, with nobody to catch it:
 * - `connection`: a promise rejected with a connection error (postgres.js does this when a
 *   connection drops while it fetches array types);
 * - `closed-write`: postgres.js's scheduled write on a socket that has closed, thrown from a timer;
 * - `bug-rejection` / `bug-throw`: a programming error, rejected or thrown.
 */
import { pino } from 'pino';
import { installCrashHandlers } from '../../../src/runtime.js';

installCrashHandlers(pino({ level: 'info' }));
const kind = process.argv[2];
const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
if (kind === 'connection') {
  void Promise.reject(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
} else if (kind === 'closed-write') {
  // The error exactly as node_modules/postgres/src/connection.js raises it.
  const error = new TypeError("Cannot read properties of null (reading 'write')");
  error.stack = `${error.name}: ${error.message}
    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)
    at process.processImmediate (node:internal/timers:483:21)`;
  setImmediate(() => {
    throw error;
  });
} else if (kind === 'bug-throw') {
  setImmediate(() => {
    throw bug;
  });
} else {
  void Promise.reject(bug);
}
setTimeout(() => {
  console.log('still running');
  process.exit(0);
}, 300);
