export { VaultScreen } from './Vault';
