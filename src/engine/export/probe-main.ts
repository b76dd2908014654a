/**
 * Entry point of dist/probe.js, the measurement process compare.ts spawns (see probe.ts). Kept
 * apart from probe.ts so importing the probe's logic never starts it.
 */
import { enterPrivateDirs } from '../process-dirs';
import { probeMain } from './probe';

// Before any model loads (see process-dirs.ts); a problem shows up again, reported, at the load.
enterPrivateDirs();
void probeMain(process.argv.slice(2));
