import type { Context } from 'hono';
import { requestId } from 'hono/request-id';
import type { Deps } from './deps.js';
import { AppError, createErrorHandler, errorResponse } from './http/errors.js';
import { rateLimit } from './http/middleware/rate-limit.js';
import { requestLog } from './http/middleware/request-log.js';
import { createRouter } from './http/openapi.js';
import { readYourWrites } from './http/read-db.js';
import { classifierRoutes } from './http/routes/admin/classifier/index.js';
import { customerRoutes } from './http/routes/admin/customers/index.js';
import { routingRuleRoutes } from './http/routes/admin/routing-rules/index.js';
import { taxonomyRoutes } from './http/routes/admin/taxonomy/index.js';
import { auditRoutes } from './http/routes/audit/index.js';
import { draftRoutes } from './http/routes/drafts/index.js';
import { healthRoutes } from './http/routes/health/index.js';
import { kbRoutes } from './http/routes/kb/index.js';
import { metricsRoutes } from './http/routes/metrics/index.js';
import { ticketRoutes } from './http/routes/tickets/index.js';
import { webhookRoutes } from './http/routes/webhooks/index.js';
import { errorPage, isPageRequest } from './http/ui/error-page.js';
import { uiRoutes } from './http/ui/index.js';

/** Builds the HTTP app from dependencies built once at boot; no module-level state. */
export function createApp(deps: Deps) {
  const app = createRouter();
  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  app.use('*', requestLog(deps.log));
  app.use('*', async (c, next) => {
    const end = deps.observability.httpDuration.startTimer();
    await next();
    // The route pattern, not the path: ids in paths would explode the label set.
    end({
      method: c.req.method,
      route: c.req.routePath || 'unmatched',
      status: String(c.res.status),
    });
  });
  // Prometheus scrape endpoint: counts and latencies only, no customer data. Restrict it at the
  // network level (it is meant for the cluster's Prometheus, not the internet).
  app.get('/metrics', async (c) => {
    c.header('Content-Type', deps.observability.registry.contentType);
    return c.body(await deps.observability.registry.metrics());
  });
  // People's browsers under /app get an error page with a way back; everything else the envelope.
  const page = (c: Context, err: AppError, requestId: string) =>
    isPageRequest(c) ? errorPage(c, err, requestId) : null;
  app.onError(createErrorHandler(deps.log, page));
  app.notFound((c) =>
    isPageRequest(c)
      ? errorResponse(c, new AppError('not_found', `There is no page at ${c.req.path}.`), page)
      : errorResponse(c, new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`)),
  );

  app.use('/api/*', rateLimit(deps, 'api'));
  app.use('/api/*', readYourWrites(deps));
  app.use('/app/*', readYourWrites(deps));
  app.use('/webhooks/*', rateLimit(deps, 'webhooks'));

  app.route('/', healthRoutes(deps));
  app.route('/', webhookRoutes(deps));
  app.route('/', ticketRoutes(deps));
  app.route('/', draftRoutes(deps));
  app.route('/', taxonomyRoutes(deps));
  app.route('/', routingRuleRoutes(deps));
  app.route('/', classifierRoutes(deps));
  app.route('/', customerRoutes(deps));
  app.route('/', kbRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', uiRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'API key created with `npm run -s cli -- keys create --role <role>`',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Deskpilot API', version: '0.1.0' },
  });
  return app;
}
