/** The master's flags as Mesos reports them (/state "flags", GET_FLAGS): derived from its options table. */
export { masterFlags } from './options';
