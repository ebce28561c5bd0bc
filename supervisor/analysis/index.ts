/** The supervisor's analysis of proposals before approval (see supervisor/README.md). */
export { analyseProposal, type AnalysisSubject, type LiveFiles } from './analyse-proposal.js';
export { ANALYSIS_LEVELS, type AnalysisFinding, type AnalysisLevel } from './types.js';
