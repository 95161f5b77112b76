export { HelpScreen } from './Help';
