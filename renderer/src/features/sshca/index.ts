/** The site's SSH certificate authority: its keys, the principals bundles may receive, the certificates issued for runs. */
export { SshCaScreen } from './SshCa';
