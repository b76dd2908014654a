/**
 * Entry point of dist/probe.js, the measurement process compare.ts spawns (see probe.ts). Kept
 * apart from probe.ts so importing the probe's logic never starts it.
 */
import { probeMain } from './probe';

void probeMain(process.argv.slice(2));
