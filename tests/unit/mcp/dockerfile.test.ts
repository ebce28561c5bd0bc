import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
