export {
  businessDeadline,
  businessDeadlineSql,
  businessSeconds,
  businessSecondsSql,
} from './business-hours.js';
export { toCsv } from './csv.js';
export * from './period.js';
export * from './queries.js';
export { type RefreshResult, refreshTicketMetrics, slaDueSql } from './refresh.js';
