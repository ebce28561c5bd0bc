import { parseDockerfile, type DockerfileInstruction, type DockerfileIssue } from './dockerfile.js';

/**
 * What an agent may propose as its own image: one stage, built on the stock agent image the
 * launcher passes as AGENT_IMAGE. Another base, a second stage or `COPY --from` would read files
 * out of any image on the operator's engine (a private image's secrets among them) into the
 * agent's reach.
 */
export function agentImageIssues(
  instructions: readonly DockerfileInstruction[],
): DockerfileIssue[] {
  const issues: DockerfileIssue[] = [];
  const froms = instructions.filter((i) => i.instruction === 'FROM');
  for (const from of froms) {
    const image = from.args.split(/\s+/)[0];
    if (image !== '${AGENT_IMAGE}' && image !== '$AGENT_IMAGE') {
      issues.push({
        line: from.line,
        message: `FROM ${image} → the agent image must be built FROM \${AGENT_IMAGE} (the stock agent image); add packages with RUN instead`,
      });
    }
  }
  if (froms.length > 1)
    issues.push({
      line: froms[1]!.line,
      message: 'a second FROM → one stage only: build on ${AGENT_IMAGE} and nothing else',
    });
  for (const copy of instructions.filter(
    (i) => i.instruction === 'COPY' || i.instruction === 'ADD',
  )) {
    if (/(^|\s)--from[=\s]/i.test(copy.args)) {
      issues.push({
        line: copy.line,
        message: `${copy.instruction} --from reads files out of another image → not allowed in the agent image`,
      });
    }
  }
  return issues;
}

/** Everything wrong with a proposed agent Dockerfile: its syntax, then the agent-image rules. */
export function agentDockerfileIssues(text: string): DockerfileIssue[] {
  const parsed = parseDockerfile(text);
  return parsed.ok ? agentImageIssues(parsed.instructions) : parsed.issues;
}
