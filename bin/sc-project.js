#!/usr/bin/env node
// Everything is found from this file's location, never the working directory, so the bin runs from
// any directory, also through the symlink npm puts on the PATH (Node resolves it to the package).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  // A clone that was never built: say what to do instead of Node's module-not-found stack trace.
  process.stderr.write(`sc-project: ${fileURLToPath(new URL('../dist', import.meta.url))} is missing: build it first (npm run build)\n`);
  process.exit(1);
}
const { main } = await import(entry.href);

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    // One line; the trace only at --log-level debug (which main puts in the environment).
    const debug = process.env.SC_PROJECT_LOG_LEVEL === 'debug';
    process.stderr.write(`sc-project: ${err instanceof Error ? (debug ? err.stack ?? err.message : err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
