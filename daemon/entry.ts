/** The daemon bundle's entry point (scripts/build-daemon.js bundles from here); see main.ts. */
import { runMain } from './main';

runMain(process.argv.slice(2));
