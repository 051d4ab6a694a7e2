/**
 * Stops a process group a test started (spawned with `detached: true`, so the child leads its own
 * group): SIGTERM to the whole group, up to `graceMs` for it to drain and exit, then SIGKILL. The
 * whole group because a wrapper (bash, npm) does not always pass the signal on, and a server left
 * behind keeps its port and Redis connections. Only ever the group of a pid the test spawned.
 */
export async function stopProcessGroup(pid: number | undefined, graceMs = 15_000): Promise<void> {
  if (pid === undefined) return;
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(-pid, 'SIGTERM');
  for (let waited = 0; alive() && waited < graceMs; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (alive()) process.kill(-pid, 'SIGKILL');
}
