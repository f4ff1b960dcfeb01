import type { ChannelCredentials } from '@grpc/grpc-js';
import type { SiteDataset } from '../clinic-node/data/index.js';
import type { Keystore } from '../clinic-node/keys/index.js';
import { runNode, type NodeOptions, type NodeSummary } from '../clinic-node/node-agent.js';

/** A federation's clinics on one machine: one node per site, its data already loaded. */
export interface SiteNodesOptions {
  /** The coordinator's gRPC address. */
  coordinator: string;
  /** Each site's data, loaded (`loadSiteDataset`); a node per entry. */
  sites: readonly SiteDataset[];
  /** The clinics' keystores, in the order of `sites`. */
  keystores: readonly Keystore[];
  /** Channel credentials for each node (each gets its own). */
  credentials: () => ChannelCredentials;
  /** The dataset the sites belong to. Default `fed-heart-disease`. */
  dataset?: string;
  /** A site's own privacy cap, or null for none (studies without DP). Default: none. */
  budget?: (site: string) => NodeOptions['budget'];
}

/**
 * Runs one node per site until its studies finish (`exitWhenDone`), as benchmarks and end-to-end
 * tests start a federation's clinics in one process; resolves with each node's summary, in order.
 */
export function runSiteNodes({ coordinator, sites, keystores, credentials, dataset = 'fed-heart-disease', budget }: SiteNodesOptions): Promise<NodeSummary[]> {
  if (keystores.length !== sites.length) throw new Error(`${sites.length} sites need as many keystores, got ${keystores.length}`);
  return Promise.all(
    sites.map((preloaded, i) =>
      runNode({
        coordinator,
        dataset,
        site: preloaded.site,
        preloaded,
        keystore: keystores[i]!,
        credentials: credentials(),
        budget: budget?.(preloaded.site) ?? null,
        exitWhenDone: true,
      }),
    ),
  );
}
