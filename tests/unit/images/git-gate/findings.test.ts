import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FINDING_ID_PATTERN, FindingRecordSchema } from '../../../../images/git-gate/finding.js';
import {
  explainFindings,
  findingId,
  recordFindings,
  toFindingRecord,
} from '../../../../images/git-gate/findings.js';
import { loadAllowlist, parseAllowlist } from '../../../../images/git-gate/allowlist.js';

const finding = {
  rule: 'github-pat',
  file: 'a.txt',
  line: 3,
  commit: 'c'.repeat(40),
  fingerprint: `${'c'.repeat(40)}:a.txt:github-pat:3`,
  redacted: 'REDACTED',
};

describe('finding records', () => {
  it('derive a stable id from remote and fingerprint', () => {
    const id = findingId('origin', finding.fingerprint);
    assert.match(id, FINDING_ID_PATTERN);
    assert.equal(findingId('origin', finding.fingerprint), id);
    assert.notEqual(findingId('other', finding.fingerprint), id);
  });

  it('match the shared FindingRecordSchema', () => {
    const record = toFindingRecord('origin', finding, new Date('2026-01-01T00:00:00Z'));
    assert.equal(FindingRecordSchema.parse(record).created_at, '2026-01-01T00:00:00.000Z');
  });

  it('are written once per id and keep the first record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cbtest-findings-'));
    try {
      const first = toFindingRecord('origin', finding, new Date('2026-01-01T00:00:00Z'));
      await recordFindings(join(dir, 'findings'), [first]);
      await recordFindings(join(dir, 'findings'), [
        toFindingRecord('origin', finding, new Date('2027-01-01T00:00:00Z')),
      ]);
      assert.deepEqual(await readdir(join(dir, 'findings')), [`${first.id}.json`]);
      const stored = JSON.parse(
        await readFile(join(dir, 'findings', `${first.id}.json`), 'utf8'),
      ) as { created_at: string };
      assert.equal(stored.created_at, first.created_at);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('are explained with ids and the MCP tool to call', () => {
    const record = toFindingRecord('origin', finding, new Date());
    const text = explainFindings('origin', [record]);
    assert.match(text, new RegExp(record.id));
    assert.match(text, /`gitleaks-allow`/);
    assert.match(text, /a\.txt:3/);
  });
});

describe('the gitleaks allowlist', () => {
  it('holds one fingerprint per line and skips comments and blanks', () => {
    assert.deepEqual(
      [...parseAllowlist('# approved by op\n\n  abc:f:r:1  \n#x\ndef:g:r:2\n')],
      ['abc:f:r:1', 'def:g:r:2'],
    );
  });

  it('is empty when the file does not exist', async () => {
    assert.equal((await loadAllowlist(join(tmpdir(), 'cbtest-no-such-allowlist'))).size, 0);
  });

  it('refuses to guess when the path cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cbtest-allow-'));
    try {
      await writeFile(join(dir, 'f'), 'x');
      await assert.rejects(
        loadAllowlist(join(dir, 'f', 'allowlist')),
        /cannot read the gitleaks allowlist/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
