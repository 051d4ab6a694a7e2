export {
  businessDeadline,
  businessSeconds,
} from './business-hours.js';
export { toCsv } from './csv.js';
export * from './period.js';
export * from './queries.js';
export { refreshTicketMetrics } from './refresh.js';
