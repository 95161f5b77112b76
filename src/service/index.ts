/** The always-on core (docs/service.md): the socket server over src/api, and its peer checks. */
export { Service, type ServiceOptions, type ServiceStatus } from './server';
export { checkPeer, checkSocketFile, peerPidsFrom, type PeerVerdict } from './peer';
