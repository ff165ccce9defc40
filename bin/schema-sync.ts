#!/usr/bin/env node
/**
 * schema-sync CLI. Commands live in bin/commands/ (registered in bin/commands/index.ts); exit
 * codes are in bin/cli/exit.ts and docs/cli.md.
 */
import { run } from './cli/main.js';
import { processIo } from './cli/io.js';

process.exitCode = await run(process.argv.slice(2), processIo());
