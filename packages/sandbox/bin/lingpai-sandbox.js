#!/usr/bin/env node
// A committed file (not a build output) so that installing the package links the bin even before
// `dist` exists (a fresh workspace install printed "Failed to create bin"); it only loads the built CLI.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
