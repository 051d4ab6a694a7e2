import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');

export type ServiceRole = 'api' | 'worker' | 'both';

export interface ServiceOptions {
  /** Copy the process's output to this process's stderr (FAULT_ECHO=1 does it for tests). */
  echo?: boolean;
  /** Run under `nice -n <nice>`. */
  nice?: number;
  /** Extra node flags, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A real Deskpilot process (the production entry points, through tsx) with its output captured:
 * `worker` is src/worker.ts, `api` is `src/main.ts --role api`, `both` is `src/main.ts`.
 */
export class ServiceProcess {
  output = '';
  readonly exited: Promise<ServiceExit>;
  private readonly child: ChildProcess;
  private readonly watchers = new Set<() => void>();

  private constructor(
    readonly role: ServiceRole,
    env: Record<string, string>,
    options: ServiceOptions,
  ) {
    const args =
      role === 'worker'
        ? ['src/worker.ts']
        : role === 'api'
          ? ['src/main.ts', '--role', 'api']
          : ['src/main.ts'];
    const node = [process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', ...args];
    // `nice` execs node in place: the pid is node's, signals reach it directly.
    const [command, ...argv] = options.nice ? ['nice', '-n', String(options.nice), ...node] : node;
    this.child = spawn(command!, argv, {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      // The tail is enough to wait for a line and to show on failure; long soaks log a lot.
      this.output = (this.output + text).slice(-2_000_000);
      if (options.echo) process.stderr.write(text);
      for (const watcher of [...this.watchers]) watcher();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  static spawn(
    role: ServiceRole,
    env: Record<string, string>,
    options: ServiceOptions = {},
  ): ServiceProcess {
    return new ServiceProcess(role, env, options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the output matches; rejects if the process exits or time runs out first. */
  waitForOutput(pattern: RegExp | string, timeoutMs = 30_000): Promise<void> {
    const matches = () =>
      typeof pattern === 'string' ? this.output.includes(pattern) : pattern.test(this.output);
    if (matches()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.watchers.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (matches()) done();
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `${this.role} process: no output matching ${pattern} within ${timeoutMs} ms\n${this.output.slice(-3_000)}`,
            ),
          ),
        timeoutMs,
      );
      this.watchers.add(check);
      void this.exited.then(({ code, signal }) => {
        if (!matches())
          done(
            new Error(
              `${this.role} process exited (${code ?? signal}) before ${pattern}\n${this.output.slice(-3_000)}`,
            ),
          );
      });
    });
  }

  /** Sends `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ServiceExit> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }
}

/** Spawns a process and resolves once it logs that it started (it is serving or consuming). */
export async function startService(
  role: ServiceRole,
  env: Record<string, string>,
  options: ServiceOptions & { timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const service = ServiceProcess.spawn(role, env, {
    ...options,
    echo: options.echo ?? process.env.FAULT_ECHO === '1',
  });
  try {
    await service.waitForOutput(
      role === 'worker' ? 'deskpilot worker started' : 'deskpilot started',
      options.timeoutMs ?? 60_000,
    );
  } catch (err) {
    await service.kill('SIGKILL');
    throw err;
  }
  return service;
}
