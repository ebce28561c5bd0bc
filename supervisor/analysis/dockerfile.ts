import { agentImageIssues } from '../../mcp/validate/agent-image.js';
import {
  formatDockerfileIssue,
  parseDockerfile,
  type DockerfileInstruction,
} from '../../mcp/validate/dockerfile.js';
import { DOCKERFILE_RULES } from './dockerfile-rules.js';
import { finding, quote, type AnalysisFinding } from './types.js';

/** One instruction with its whole source: continuation lines and heredoc bodies, no comments. */
interface Step {
  instruction: string;
  args: string;
  line: number;
  source: string;
}

/**
 * capability-block: what the instructions the candidate Dockerfile adds or changes (compared
 * with the live one) can do. Unchanged instructions are not judged again.
 */
export function analyseDockerfile(
  candidateText: string,
  liveText: string | undefined,
): AnalysisFinding[] {
  const candidate = parseDockerfile(candidateText);
  if (!candidate.ok) {
    const [first, ...rest] = candidate.issues;
    const more = rest.length > 0 ? ` (+${rest.length} more)` : '';
    const what = first ? formatDockerfileIssue(first) : 'no issue reported';
    return [
      finding(
        'danger',
        'dockerfile-invalid',
        `Dockerfile does not parse: ${quote(what, 160)}${more}`,
      ),
    ];
  }
  const findings: AnalysisFinding[] = [];
  for (const issue of agentImageIssues(candidate.instructions))
    findings.push(finding('danger', 'agent-image', quote(formatDockerfileIssue(issue), 200)));
  const live = liveText === undefined ? undefined : parseDockerfile(liveText);
  if (!live?.ok)
    findings.push(
      finding(
        'caution',
        'live-unreadable',
        `the live Dockerfile ${live ? 'does not parse' : 'could not be read'}: every instruction is judged as new`,
      ),
    );
  const before = live?.ok ? stepsOf(liveText!, live.instructions) : [];
  const after = stepsOf(candidateText, candidate.instructions);
  const unmatched = new Map<string, number>();
  for (const step of before) unmatched.set(key(step), (unmatched.get(key(step)) ?? 0) + 1);
  const added: Step[] = [];
  for (const step of after) {
    const left = unmatched.get(key(step)) ?? 0;
    if (left > 0) unmatched.set(key(step), left - 1);
    else added.push(step);
  }
  const removed = [...unmatched.values()].reduce((sum, n) => sum + n, 0);
  for (const step of added) findings.push(...judge(step));
  findings.push(
    finding(
      'info',
      'dockerfile-change',
      added.length + removed === 0
        ? 'no instruction added, changed or removed'
        : `${added.length} instruction(s) added or changed${added.length > 0 ? ` (line ${added.map((s) => s.line).join(', ')})` : ''}, ${removed} removed`,
    ),
  );
  return findings;
}

/**
 * The rules' patterns scan each instruction once; past this many characters an instruction is
 * judged on its head only and flagged, so a padded RUN line cannot stall the operator's screen.
 */
const JUDGED_CHARS = 8192;

function judge(step: Step): AnalysisFinding[] {
  const findings: AnalysisFinding[] = [];
  const long = step.source.length > JUDGED_CHARS;
  const source = long ? step.source.slice(0, JUDGED_CHARS) : step.source;
  const args = long ? step.args.slice(0, JUDGED_CHARS) : step.args;
  if (long)
    findings.push(
      finding(
        'danger',
        'instruction-too-long',
        `line ${step.line}: ${step.instruction} is ${step.source.length} characters; only the first ${JUDGED_CHARS} were checked: read it whole`,
      ),
    );
  for (const rule of DOCKERFILE_RULES) {
    if (rule.instructions !== '*' && !rule.instructions.includes(step.instruction)) continue;
    const match = rule.test(source, args);
    if (match === undefined) continue;
    findings.push(
      finding(
        rule.level,
        rule.code,
        `line ${step.line}: ${step.instruction} ${rule.says(match)}: "${quote(step.source, 100)}"`,
      ),
    );
  }
  return findings;
}

function stepsOf(text: string, instructions: readonly DockerfileInstruction[]): Step[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return instructions.map((instruction, i) => {
    const end = instructions[i + 1]?.line ?? lines.length + 1;
    const source = lines
      .slice(instruction.line - 1, end - 1)
      .filter((line) => !/^\s*#/.test(line))
      .join('\n')
      // Continuations read as one command line; heredoc bodies keep their lines.
      .replace(/[\\`][ \t]*\n/g, ' ')
      .trim();
    return { ...instruction, source };
  });
}

function key(step: Step): string {
  return `${step.instruction} ${step.source.replace(/\s+/g, ' ')}`;
}
