export { businessSeconds, businessSecondsSql } from './business-hours.js';
export { toCsv } from './csv.js';
export * from './queries.js';
export { type RefreshResult, refreshTicketMetrics } from './refresh.js';
