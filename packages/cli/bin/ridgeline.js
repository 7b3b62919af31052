#!/usr/bin/env node
// The `ridgeline` command. A committed shim so npm can link the bin at install time, before the
// build writes dist/.
import { main } from '../dist/main.js';

await main();
