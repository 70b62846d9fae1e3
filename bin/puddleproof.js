#!/usr/bin/env node
// The puddleproof command: runs the bundled CLI in dist/cli (scripts/build.mjs; npm install builds it
// through the prepare script).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
