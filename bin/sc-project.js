#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    // One line; the trace only at --log-level debug (which main puts in the environment).
    const debug = process.env.SC_PROJECT_LOG_LEVEL === 'debug';
    process.stderr.write(`sc-project: ${err instanceof Error ? (debug ? err.stack ?? err.message : err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
