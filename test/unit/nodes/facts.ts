/** Engine facts of a node that can apply the runner's hardening (shared by the nodes unit tests). */
import type { NodeFacts } from '../../../src/nodes';

export const FIT: NodeFacts = {
  engine: 'Docker',
  version: '20.10.24',
  apiVersion: '1.41',
  os: 'linux',
  arch: 'amd64',
  rootless: false,
  cgroupVersion: '2',
  seccomp: true,
  pidsLimit: true,
  memoryLimit: true,
  kernelVersion: '6.1',
  securityOptions: ['name=seccomp,profile=default'],
};
