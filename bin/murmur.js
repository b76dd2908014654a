#!/usr/bin/env node
// The `murmur` command: the bundled CLI (node esbuild.js builds dist/cli.js). A CommonJS shim, so require.
 
require('../dist/cli.js');
