// The report's public surface: its model (model.ts) and the writing of a report folder (write.ts).
export { buildReport, compareClaimFiles, mergeReports, readReport, type Report } from './model.js';
export { writeReport } from './write.js';
