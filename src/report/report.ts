// The report's public surface: its model (model.ts), the reading of a report.json given on the command line (read.ts) and the writing of a report folder (write.ts).
export { buildReport, compareClaimFiles, mergeReports, readReport, type Report } from './model.js';
export { MAX_REPORT_BYTES, readReportFile, ReportFileError } from './read.js';
export { checkReportDir, OutputError, writeReport } from './write.js';
