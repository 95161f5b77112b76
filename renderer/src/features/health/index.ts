/** Health: SLOs with their error budget, a metric over time against its objective, schedules, CSV export. */
export { HealthScreen } from './Health';
