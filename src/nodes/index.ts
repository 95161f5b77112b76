/**
 * Nodes: Docker and Podman engines on other machines, enrolled by an admin with a pinned identity
 * (docs/remote-engines.md). Tables engine_nodes and engine_node_images; image sending, the per-run
 * tmpfs volumes and their holder, and the sweep of what runs left on a node.
 */
export { NodeRecords, nodeNotFound, sealNodes, type NodeEntry, type NodeFacts, type NewNode } from './store';
export {
  NODE_NAME,
  checkNode,
  checkNodeName,
  connect,
  hardeningProblems,
  nodesForRun,
  noteFailure,
  openCredentials,
  pruneNode,
  pinFingerprint,
  readFacts,
  resealNodes,
  sealCredentials,
  type NodeConnection,
} from './service';
export { NODE_LABELS, NodeRunSpace, MAX_OUTPUT_BYTES, sendImage, sweepNode, type RunSpaceInput } from './transfer';
export { pauseElf, ensureHolder, holderSpec } from './holder';
export { READ_WRITE_LABEL, misfit, pickNode, placeRun, placementLabels, type PlacementNeed } from './placement';
