#!/usr/bin/env node
// The puddleproof command: runs the built CLI (npm install builds dist/ through the prepare script).
import '../dist/cli/main.js';
