/** Remote engine nodes the admin enrolled (administration). */
export { NodesScreen } from './Nodes';
