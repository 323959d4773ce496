#!/usr/bin/env node
// Entry point of the mesoscloud CLI. Kept tiny so `--help` and daemons start fast.
require('@oclif/core').execute({ dir: __dirname }).catch(require('@oclif/core/handle'));
