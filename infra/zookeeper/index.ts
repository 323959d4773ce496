/** ZooKeeper for mesoscloud clusters: config generation and a local ensemble of java processes. */
export * from './config';
export * from './four-letter';
export * from './install';
export * from './local-ensemble';
