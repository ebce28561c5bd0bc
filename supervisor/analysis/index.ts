/** The supervisor's analysis of proposals before approval (see supervisor/README.md). */
export { analyseProposal, type AnalysisSubject, type LiveFiles } from './analyse-proposal.js';
export { ANALYSIS_LEVELS, type AnalysisFinding, type AnalysisLevel } from './types.js';
export { readDeniedLog, type DeniedLogRead } from './replay-log.js';
export { replayDenied, requestText, type Replay, type ReplayRequest } from './replay.js';
