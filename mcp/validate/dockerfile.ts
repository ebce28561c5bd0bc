import { didYouMean } from '../../lib/did-you-mean.js';

/** The instructions `docker build` knows; anything else fails the build, so it fails here. */
export const DOCKERFILE_INSTRUCTIONS = [
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
] as const;

export interface DockerfileInstruction {
  instruction: string;
  args: string;
  line: number;
}

export interface DockerfileIssue {
  line: number | undefined;
  message: string;
}

export type DockerfileParseResult =
  { ok: true; instructions: DockerfileInstruction[] } | { ok: false; issues: DockerfileIssue[] };

const KNOWN: ReadonlySet<string> = new Set(DOCKERFILE_INSTRUCTIONS);
const HEREDOC = /<<-?\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g;

/**
 * A syntactic check, not a build: known instructions, line continuations (honouring the
 * `# escape=` directive), heredocs, and FROM as the first instruction after any ARGs. It
 * catches what would make the operator's rebuild fail before the proposal reaches them.
 */
export function parseDockerfile(text: string): DockerfileParseResult {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const escape = escapeDirective(lines);
  const instructions: DockerfileInstruction[] = [];
  const issues: DockerfileIssue[] = [];
  let index = 0;
  while (index < lines.length) {
    const startLine = index + 1;
    const first = lines[index]!;
    index++;
    if (first.trim() === '' || first.trimStart().startsWith('#')) continue;
    let logical = first;
    while (endsWithEscape(logical, escape)) {
      logical = logical.trimEnd().slice(0, -1);
      // Comment and blank lines inside a continuation are dropped, as docker does.
      while (index < lines.length && /^\s*(#|$)/.test(lines[index]!)) index++;
      if (index >= lines.length) break;
      logical += lines[index]!;
      index++;
    }
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(logical);
    const word = match?.[1] ?? '';
    const args = (match?.[2] ?? '').trim();
    const instruction = word.toUpperCase();
    if (!KNOWN.has(instruction)) {
      const guess = didYouMean(instruction, DOCKERFILE_INSTRUCTIONS);
      issues.push({
        line: startLine,
        message: `unknown instruction "${word}"${guess ? ` → did you mean ${guess}?` : ` → use one of ${DOCKERFILE_INSTRUCTIONS.join(', ')}`}`,
      });
      continue;
    }
    if (args === '') {
      issues.push({ line: startLine, message: `${instruction} needs arguments` });
      continue;
    }
    index = skipHeredocs(args, lines, index, startLine, issues);
    instructions.push({ instruction, args, line: startLine });
  }
  checkFrom(instructions, issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, instructions };
}

export function formatDockerfileIssue(issue: DockerfileIssue): string {
  return issue.line === undefined
    ? `Dockerfile: ${issue.message}`
    : `Dockerfile:${issue.line}: ${issue.message}`;
}

function checkFrom(instructions: DockerfileInstruction[], issues: DockerfileIssue[]): void {
  const firstReal = instructions.find((i) => i.instruction !== 'ARG');
  if (!firstReal) {
    issues.push({
      line: undefined,
      message:
        'no FROM instruction → start the Dockerfile with FROM <image> (only ARG may precede it)',
    });
  } else if (firstReal.instruction !== 'FROM') {
    issues.push({
      line: firstReal.line,
      message: `${firstReal.instruction} comes before any FROM → the first instruction (after ARGs) must be FROM <image>`,
    });
  }
}

/** Parser directives (`# escape=`) are only honoured before the first other line. */
function escapeDirective(lines: string[]): string {
  for (const line of lines) {
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (!directive) break;
    if (
      directive[1]!.toLowerCase() === 'escape' &&
      (directive[2] === '`' || directive[2] === '\\')
    ) {
      return directive[2];
    }
  }
  return '\\';
}

function endsWithEscape(line: string, escape: string): boolean {
  return line.trimEnd().endsWith(escape);
}

/** Heredoc bodies (`RUN <<EOF`) are data, not instructions: skip to each terminator. */
function skipHeredocs(
  args: string,
  lines: string[],
  index: number,
  startLine: number,
  issues: DockerfileIssue[],
): number {
  let next = index;
  for (const heredoc of args.matchAll(HEREDOC)) {
    const terminator = heredoc[2]!;
    const allowTabs = heredoc[0].startsWith('<<-');
    let closed = false;
    while (next < lines.length && !closed) {
      const body = lines[next]!;
      next++;
      closed = (allowTabs ? body.replace(/^\t+/, '') : body) === terminator;
    }
    if (!closed) {
      issues.push({
        line: startLine,
        message: `heredoc <<${terminator} is never closed → end it with a line holding only ${terminator}`,
      });
    }
  }
  return next;
}
