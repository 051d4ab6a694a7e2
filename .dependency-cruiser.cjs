/**
 * The layer rule of DESIGN.md, checked in CI (`npm run lint:deps`). Imports run down only:
 *
 *   entry   src/main.ts src/worker.ts src/runtime.ts src/app.ts src/boot.ts src/build-deps.ts src/cli/
 *   doors   src/http/ src/queue/            (HTTP routes and pages; BullMQ workers, outbox relay)
 *   steps   src/pipeline/ src/ingest/ src/audit/
 *   domain  src/models/ src/kb/ src/mail/ src/integrations/ src/privacy/ src/auth/ src/live/
 *           src/observability/ src/prompts/ src/metrics/
 *   base    src/db/ src/jobs/ src/config/ src/offload/ src/log.ts src/errors.ts
 *
 * src/build-deps.ts is the composition root: it builds the container and may import anything.
 * src/deps.ts declares the container's type (`Deps`): it sits between domain and steps (it names
 * types of the domain and the base; steps and doors receive it), and others import it for its
 * type only.
 */
const entry = '^src/(main|worker|runtime|app|boot|build-deps)\\.ts$|^src/cli/';
const doors = '^src/(http|queue)/';
const steps = '^src/(pipeline|ingest|audit)/';
const domain =
  '^src/(models|kb|mail|integrations|privacy|auth|live|observability|prompts|metrics)/';
const base = '^src/(db|jobs|config|offload)/|^src/(log|errors)\\.ts$';
const container = '^src/deps\\.ts$';

const upward = (name, from, to) => ({
  name,
  severity: 'error',
  comment: 'An import runs back up the layers (see the header of this file).',
  from: { path: from },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules importing each other in a loop.',
      from: {},
      to: { circular: true },
    },
    upward('doors-up', doors, entry),
    upward('steps-up', steps, `${entry}|${doors}`),
    upward('container-up', container, `${entry}|${doors}|${steps}`),
    upward('domain-up', domain, `${entry}|${doors}|${steps}|${container}`),
    upward('base-up', base, `${entry}|${doors}|${steps}|${container}|${domain}`),
    {
      name: 'deps-is-a-type',
      severity: 'error',
      comment: 'Below the entry points, the dependency container is passed in, never built.',
      from: { path: '^src/', pathNot: entry },
      to: { path: container, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'jobs-are-a-leaf',
      severity: 'error',
      comment: 'The job contract imports nothing of the application.',
      from: { path: '^src/jobs/' },
      to: { path: '^src/', pathNot: '^src/jobs/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(test|bench|scripts)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
