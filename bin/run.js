#!/usr/bin/env node
// Entry point of the mesoscloud CLI. Kept tiny so `--help` and daemons start fast.
// `mesoscloud help <command>` and a trailing `-h` mean --help, as in most CLIs; oclif knows only --help.
const argv = process.argv.slice(2);
const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv.at(-1) === '-h' ? [...argv.slice(0, -1), '--help'] : argv;
require('@oclif/core').execute({ dir: __dirname, args }).catch(require('@oclif/core/handle'));
