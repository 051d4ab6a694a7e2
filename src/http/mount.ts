import type { Env, MiddlewareHandler } from 'hono';

/**
 * What every sub-app's index does: put its role check in front of the paths it serves, then let
 * each operation (one file each, exporting a `register…(app, deps)`) mount its handler. The index
 * files then say only which paths are guarded by what, and which operations there are.
 */
export function mountOperations<
  E extends Env,
  App extends { use(path: string, ...handlers: MiddlewareHandler<E>[]): unknown },
  D,
>(
  app: App,
  deps: D,
  mount: {
    guard?: { by: MiddlewareHandler<E>; paths: readonly string[] };
    operations: readonly ((app: App, deps: D) => void)[];
  },
): App {
  const { guard } = mount;
  if (guard) for (const path of guard.paths) app.use(path, guard.by);
  for (const register of mount.operations) register(app, deps);
  return app;
}
