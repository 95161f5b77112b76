export { TrustScreen } from './Trust';
