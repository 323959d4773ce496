/** ZooKeeper for mesoscloud clusters: config generation and a local ensemble of java processes. */
export * from './config';
export * from '../../cluster/zookeeper/four-letter';
export * from '../../cluster/zookeeper/install';
export * from './local-ensemble';
