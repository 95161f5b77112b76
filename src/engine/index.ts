/**
 * Engine: the container engine port (Docker Engine or Podman through its Docker-compatible API) and
 * its dockerode implementation, on a local unix socket only. The import pipeline and the runner
 * take a ContainerEngine in their constructors; nothing else talks to the engine.
 */
export type {
  AttachedStreams,
  BindMount,
  ContainerEngine,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  EngineInfo,
  EngineName,
  EngineSecurityFacts,
  InspectedSandbox,
  TmpfsVolumeSpec,
  VolumeMount,
  ImageDetails,
  ImageSummary,
  LabelFilter,
  LoadResult,
  NetworkInfo,
} from './types';
export { DockerodeEngine, type DockerodeEngineOptions, type EngineBounds } from './dockerode-engine';
export {
  defaultSocketCandidates,
  engineUnavailable,
  parseEngineAddress,
  resolveEngineSocket,
  type EngineSocket,
  type ResolveSocketOptions,
} from './socket';
export { demuxAttachStream } from './demux';
export { EngineProvider, type EngineProviderOptions } from './provider';
export { engineStatus, STATUS_TIMEOUT_MS, type EngineStatus } from './status';
export { ENGINE_SETTINGS } from './settings';
export {
  CONNECT_TIMEOUT_MS,
  HEARTBEAT_MS,
  REQUEST_TIMEOUT_MS,
  SILENCE_LIMIT_MS,
  openRemoteEngine,
  parseNodeAddress,
  pinFingerprint,
  pinFrom,
  probeNodeIdentity,
  sshFingerprint,
  type NodeAddress,
  type NodeCredentials,
  type NodeIdentity,
  type NodePin,
  type NodeTransport,
  type RemoteEngine,
} from './remote';
