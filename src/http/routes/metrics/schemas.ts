import { z } from '@hono/zod-openapi';

/** The answer of the grouped operations (timeseries, by-category): one row per group. */
export const groupsFields = {
  groupBy: z.string(),
  rows: z.array(z.record(z.string(), z.unknown())),
};
