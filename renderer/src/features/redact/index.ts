/** What leaves the site: the redaction preview, and the marked text other egress screens show. */
export { RedactScreen, MarkedSection, countsText } from './Redact';
