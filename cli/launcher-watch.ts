/**
 * `npx cohort node ...` runs the node as a grandchild of npm (npm exec, then `sh -c`). A SIGTERM to
 * npx, which is what a service manager sends to the process it started, ends npm and the shell but
 * never reaches the node: it went on, orphaned. When npm started this process (`npm_command=exec`),
 * the long-running commands therefore watch their parent: once it is gone (the process is adopted
 * by another), they stop exactly as on SIGTERM. Started directly (`node dist/cli/cohort.js`, the
 * installed bin, a container), nothing is watched: the signal arrives itself.
 */
const CHECK_EVERY_MS = 500;

/** Calls `onGone` once if the npm process that launched this one goes away; returns a function that stops watching. */
export function watchLauncher(onGone: () => void, env: NodeJS.ProcessEnv = process.env): () => void {
  if (env['npm_command'] !== 'exec') return () => undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, CHECK_EVERY_MS);
  // The watch alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
