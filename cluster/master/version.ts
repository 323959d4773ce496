/**
 * The version the master reports everywhere (MasterInfo, /version, /state, GET_VERSION). The Mesos
 * release whose HTTP APIs we follow comes first so clients that parse the version keep working.
 */
export const MESOS_API_VERSION = '1.11.0';
export const MASTER_VERSION = `${MESOS_API_VERSION}-mesoscloud`;
