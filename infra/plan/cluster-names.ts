/**
 * Names every provider gives a cluster's parts the same way, local or remote: the ZooKeeper URL
 * masters and agents follow, the masters' quorum, and the cgroup root the agents put tasks under
 * (one per cluster, so destroy can remove it by name).
 */
export function zkUrlOf(connectString: string): string {
  return `zk://${connectString}/mesos`;
}

/** A majority of the masters. */
export function quorumOf(masters: number): number {
  return Math.floor(masters / 2) + 1;
}

export function cgroupsRoot(cluster: string): string {
  return `mesoscloud-${cluster}`;
}
