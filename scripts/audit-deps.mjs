#!/usr/bin/env node
// `npm run audit:deps`: `npm audit --omit=dev --audit-level=high`, told apart from "the audit
// endpoint could not be reached". npm prints the same "audit endpoint returned an error" for both a
// registry mirror that refuses the bulk-advisory POST (HTTP 405) and a network that is down, which
// is easy to mistake for a finding. Here:
//   exit 0  the audit ran and found nothing high or critical in the runtime dependencies
//   exit 1  the audit ran and found high or critical advisories (listed)
//   exit 2  the audit could not run (endpoint unreachable or refused); see docs/security.md
// Extra arguments go to npm, e.g. `npm run audit:deps -- --registry=https://registry.npmjs.org`.
import { spawnSync } from 'node:child_process';

const TIMEOUT_MS = Number(process.env.AUDIT_DEPS_TIMEOUT_MS ?? 120_000);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const args = ['audit', '--omit=dev', '--audit-level=high', '--json', ...process.argv.slice(2)];

const run = spawnSync(npm, args, {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
  timeout: TIMEOUT_MS,
  shell: process.platform === 'win32',
});

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const report = parse(run.stdout ?? '');
const counts = report?.metadata?.vulnerabilities;

if (!counts) {
  // No advisory report: npm failed before (or instead of) auditing.
  const stderrTail = (run.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  const reason =
    run.error?.code === 'ETIMEDOUT'
      ? `no answer within ${TIMEOUT_MS / 1000} s`
      : report?.message || report?.error?.summary || run.error?.message || stderrTail || 'unknown';
  console.error(
    [
      'audit:deps: the npm audit endpoint could not be used, so NO advisory check was performed.',
      `  reason: ${reason}`,
      '  (a registry mirror that answers the advisory endpoint with "405 Method Not Allowed",',
      '   or no network access, both end up here; this is not a finding about the dependencies)',
      '',
      '  What to do:',
      '  - run it on a machine that reaches registry.npmjs.org:',
      '      npm run audit:deps -- --registry=https://registry.npmjs.org',
      '  - or follow "Dependency advisories" in docs/security.md (last manual review, the',
      '    per-package status, and how to re-check by hand).',
    ].join('\n'),
  );
  process.exit(2);
}

const high = (counts.high ?? 0) + (counts.critical ?? 0);
const total = counts.total ?? Object.values(counts).reduce((a, b) => a + b, 0);
console.log(
  `audit:deps: runtime dependencies audited; ${total} advisory finding(s): ` +
    `critical ${counts.critical ?? 0}, high ${counts.high ?? 0}, moderate ${counts.moderate ?? 0}, ` +
    `low ${counts.low ?? 0}, info ${counts.info ?? 0}.`,
);

for (const [name, vuln] of Object.entries(report.vulnerabilities ?? {})) {
  if (vuln.severity !== 'high' && vuln.severity !== 'critical') continue;
  console.log(`\n${vuln.severity.toUpperCase()}  ${name} ${vuln.range ?? ''}`.trimEnd());
  for (const via of vuln.via ?? []) {
    if (typeof via === 'string') console.log(`  via ${via}`);
    else console.log(`  ${via.title ?? ''} ${via.url ?? ''} (affects ${via.range ?? '?'})`);
  }
  const fix = vuln.fixAvailable;
  if (fix === true) console.log('  fix: `npm audit fix`');
  else if (fix && typeof fix === 'object')
    console.log(`  fix: ${fix.name}@${fix.version}${fix.isSemVerMajor ? ' (semver-major)' : ''}`);
  else console.log('  fix: none published');
}

if (high > 0) {
  console.log(
    '\nRecord each one in docs/security.md ("Dependency advisories"): upgraded, or why it is ' +
      'not exploitable here.',
  );
  process.exit(1);
}
process.exit(0);
