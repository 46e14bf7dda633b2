#!/usr/bin/env node
// The misalign command line (compiled from src/cli by `npm run build`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
