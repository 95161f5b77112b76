export { DashboardScreen } from './Dashboard';
