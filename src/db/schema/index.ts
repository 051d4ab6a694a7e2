export * from './api-keys.js';
export * from './inbox-events.js';
export * from './messages.js';
export * from './outbox.js';
export * from './ticket-events.js';
export * from './tickets.js';
