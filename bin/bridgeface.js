#!/usr/bin/env node
// The bridgeface command line (src/cli/main.ts, built to dist/cli.js by `npm run build`).
import { runCli } from '../dist/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
