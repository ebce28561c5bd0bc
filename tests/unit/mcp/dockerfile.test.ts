import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentImageIssues } from '../../../mcp/validate/agent-image.js';
import { parseDockerfile } from '../../../mcp/validate/dockerfile.js';

describe('parseDockerfile', () => {
  const valid: [string, string, string[]][] = [
    ['plain', 'FROM debian:trixie-slim\nRUN true\n', ['FROM', 'RUN']],
    ['ARG before FROM', 'ARG BASE=debian\nFROM ${BASE}\n', ['ARG', 'FROM']],
    ['lowercase', 'from debian\nrun true\n', ['FROM', 'RUN']],
    ['CRLF', 'FROM debian\r\nRUN true\r\n', ['FROM', 'RUN']],
    ['comments', '# syntax=docker/dockerfile:1\n# hi\nFROM debian\n', ['FROM']],
    [
      'continuations with a comment inside',
      'FROM debian\nRUN apt-get update \\\n# why\n    && apt-get install -y jq\nUSER 1000\n',
      ['FROM', 'RUN', 'USER'],
    ],
    ['escape directive', '# escape=`\nFROM debian\nRUN echo `\n  hi\n', ['FROM', 'RUN']],
    [
      'heredoc',
      'FROM debian\nRUN <<EOF\nFORM not an instruction\nEOF\nUSER x\n',
      ['FROM', 'RUN', 'USER'],
    ],
  ];
  for (const [name, text, expected] of valid) {
    it(`accepts ${name}`, () => {
      const result = parseDockerfile(text);
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(
        result.instructions.map((i) => i.instruction),
        expected,
      );
    });
  }

  const invalid: [string, string, RegExp][] = [
    ['empty', '', /no FROM/],
    ['no FROM', 'RUN true\n', /RUN comes before any FROM/],
    ['typo', 'FROM debian\nRUNN true\n', /did you mean RUN/],
    ['unknown', 'FROM debian\nFOOBARBAZ x\n', /FOOBARBAZ.*use one of FROM/],
    ['no arguments', 'FROM debian\nRUN\n', /RUN needs arguments/],
    ['unclosed heredoc', 'FROM debian\nRUN <<EOF\necho\n', /never closed/],
  ];
  for (const [name, text, expected] of invalid) {
    it(`refuses ${name}`, () => {
      const result = parseDockerfile(text);
      assert.equal(result.ok, false);
      assert.match(JSON.stringify(result.ok ? [] : result.issues), expected);
    });
  }

  it('names the line of the problem', () => {
    const result = parseDockerfile('FROM debian\n\nRUN a \\\n  b\nFORM x\n');
    assert.ok(!result.ok);
    assert.deepEqual(
      result.issues.map((i) => i.line),
      [5],
    );
  });
});

describe('agentImageIssues', () => {
  const issuesOf = (text: string) => {
    const parsed = parseDockerfile(text);
    assert.ok(parsed.ok);
    return agentImageIssues(parsed.instructions).map((i) => i.message);
  };
  it('accepts one stage on the stock agent image', () => {
    assert.deepEqual(
      issuesOf('ARG AGENT_IMAGE\nFROM ${AGENT_IMAGE}\nRUN apt-get install -y jq\n'),
      [],
    );
    assert.deepEqual(issuesOf('ARG AGENT_IMAGE\nFROM $AGENT_IMAGE\nCOPY a b\n'), []);
  });
  const refused: [string, string, RegExp][] = [
    ['another base', 'FROM debian\n', /built FROM \$\{AGENT_IMAGE\}/],
    [
      'a second stage',
      'ARG AGENT_IMAGE\nFROM ${AGENT_IMAGE}\nFROM ${AGENT_IMAGE}\n',
      /one stage only/,
    ],
    [
      'COPY --from',
      'ARG AGENT_IMAGE\nFROM ${AGENT_IMAGE}\nCOPY --from=private/image:tag /secrets /x\n',
      /reads files out of another image/,
    ],
    [
      'ADD --from with a space',
      'ARG AGENT_IMAGE\nFROM ${AGENT_IMAGE}\nADD --from other /a /b\n',
      /another image/,
    ],
  ];
  for (const [name, text, expected] of refused) {
    it(`refuses ${name}`, () => assert.match(issuesOf(text).join('\n'), expected));
  }
});
