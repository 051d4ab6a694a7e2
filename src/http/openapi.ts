import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { AppError, describeIssues } from './errors.js';

/**
 * Every sub-app is built with this so that a zod validation failure anywhere becomes the same
 * 400 envelope naming the field.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError('validation_failed', describeIssues(result.error.issues));
      }
    },
  });
}

export type Router = ReturnType<typeof createRouter>;

/** A route's request body: JSON, required, validated by `schema`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { 'application/json': { schema } }, required: true as const };
}
