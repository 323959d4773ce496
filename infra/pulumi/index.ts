/**
 * The entry Pulumi.yaml names (built to dist/infra/pulumi/index.js): `pulumi up` in the repository
 * runs the same program, with the same config keys, as `mesoscloud launch --provider aws` does.
 */
import { clusterProgram } from './program';
import { readStackConfig } from './config';

export = clusterProgram(readStackConfig());
