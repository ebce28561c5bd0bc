import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../images/egress-proxy/routes/parse.js';
import { bottleAgentImage } from '../../launcher/images/bottle-images.js';
import { ensureImage } from '../../launcher/images/ensure.js';
import { BottleError } from '../../lib/errors.js';
import { LIMITS } from '../../mcp/queue/schema.js';
import { agentDockerfileIssues } from '../../mcp/validate/agent-image.js';
import { formatDockerfileIssue } from '../../mcp/validate/dockerfile.js';
import {
  agentIsRunning,
  recordAgentImage,
  recreateAgent,
  setAgentImage,
} from './agent-recreate.js';
import { readLive, replaceLiveConfig } from './live-config-writer.js';
import type { ApplyOutcome, Engine, EngineDeps } from './types.js';

const BUILD_ERROR_LINES = 12;
const BUILD_NOISE = /^(?:the last lines of the build:|--->|Removing intermediate container )/;

/** Validates a Dockerfile exactly as the MCP tool does (size cap, then the syntactic parse). */
export function checkDockerfileText(text: string, file: string): void {
  if (Buffer.byteLength(text, 'utf8') > LIMITS.fileBytes) {
    throw new BottleError(
      'DOCKERFILE_INVALID',
      `${file} is larger than ${LIMITS.fileBytes / 1024} KiB`,
      { hint: 'shorten it' },
    );
  }
  const issues = agentDockerfileIssues(text);
  if (issues.length > 0) {
    throw new BottleError(
      'DOCKERFILE_INVALID',
      `${file} is invalid:\n${issues.map(formatDockerfileIssue).join('\n')}`,
      { hint: 'fix the lines named above; nothing was changed' },
    );
  }
}

/**
 * capability-block: builds the proposed (or operator-modified) Dockerfile from its text on the
 * bottle's stock agent image and seals it, before anything live changes; a failed build leaves
 * the bottle as it was. Then live-config/Dockerfile is replaced and, once the agent has its
 * answer, only the agent container is recreated on the new image.
 */
export const capabilityRebuild: Engine<'capability-block'> = {
  tool: 'capability-block',
  reportOnly: false,
  editableText: (proposal) => proposal.payload.dockerfile,
  async apply({ bottle, proposal, editedText }, deps) {
    const text = editedText ?? proposal.payload.dockerfile;
    checkDockerfileText(
      text,
      editedText === undefined ? 'the proposed Dockerfile' : 'the edited Dockerfile',
    );
    const base = proposal.payload.base_sha256;
    const live = await readLive(bottle.layout, 'dockerfile');
    if (live.sha256 !== base) return staleOutcome(live.sha256, base);
    const agentBase = bottle.metadata.agent_base_image;
    if (!agentBase) {
      return {
        kind: 'failed',
        message: `bottle ${bottle.slug} was started before its stock agent image was recorded (metadata.json has no agent_base_image), so it cannot be rebuilt in place; stop it and start a new bottle`,
        sha256Before: live.sha256,
      };
    }
    const built = await buildFromText(text, agentBase, deps);
    if ('failed' in built) return { ...built.failed, sha256Before: live.sha256 };

    let replaced;
    try {
      replaced = await replaceLiveConfig(bottle.layout, 'dockerfile', text, {
        expectSha256: base,
      });
    } catch (error) {
      if (error instanceof BottleError && error.code === 'PROPOSAL_STALE')
        return { kind: 'stale', message: error.message, sha256Before: base };
      throw error;
    }
    const applied = {
      sha256Before: replaced.before,
      sha256After: replaced.after,
      ...(editedText !== undefined ? { modifiedPayload: { dockerfile: editedText } } : {}),
    };
    if (built.image === bottle.metadata.images.agent) {
      return {
        kind: 'applied',
        message: `approved; the agent already runs this image (${built.image}): nothing to restart`,
        ...applied,
      };
    }
    if (!(await agentIsRunning(bottle, deps))) {
      // Nothing to replace: the next resume brings the agent up on what these files name.
      await setAgentImage(bottle.layout.composeFile, built.image);
      await recordAgentImage(bottle, built.image);
      return {
        kind: 'applied',
        message: `approved; the bottle is not running: it resumes on the new image ${built.image}`,
        ...applied,
      };
    }
    return {
      kind: 'applied',
      message:
        'approved; the agent restarts on the new image; workspace, branch and session are kept',
      ...applied,
      afterDecision: () => recreateAgent({ bottle, image: built.image, proposal, replaced }, deps),
    };
  },
};

/** Builds the text in a folder of its own, so live-config/ is untouched until the build is done. */
async function buildFromText(
  text: string,
  agentBase: string,
  deps: EngineDeps,
): Promise<{ image: string } | { failed: Extract<ApplyOutcome, { kind: 'failed' }> }> {
  const docker = deps.docker();
  if (!(await docker.imageExists(agentBase))) {
    return {
      failed: {
        kind: 'failed',
        message: `the stock agent image ${agentBase} this bottle was started on is gone from the engine; start a new bottle to rebuild it`,
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'cb-capability-'));
  try {
    const dockerfile = join(dir, 'Dockerfile');
    await writeFile(dockerfile, text, { mode: 0o644 });
    deps.progress(`capability rebuild: Dockerfile ${sha256(text).slice(0, 12)} on ${agentBase}`);
    const image = await bottleAgentImage(
      (recipe) => ensureImage(docker, recipe, deps.progress),
      dockerfile,
      agentBase,
    );
    return { image };
  } catch (error) {
    if (!(error instanceof BottleError && error.code === 'IMAGE_BUILD_FAILED')) throw error;
    deps.progress(`capability rebuild: ${error.message}`);
    return { failed: { kind: 'failed', message: buildFailure(error) } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The build's own error and its last output lines (docker.ts keeps them in the hint), without
 * the engine's layer bookkeeping: what the agent needs to fix its file.
 */
function buildFailure(error: BottleError): string {
  const tail = (error.hint ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !BUILD_NOISE.test(line))
    .slice(-BUILD_ERROR_LINES);
  return [
    `the image did not build, nothing was changed: ${error.message}`,
    ...(tail.length > 0 ? ['last lines of the build:', ...tail.map((l) => `  ${l}`)] : []),
  ].join('\n');
}

function staleOutcome(liveSha256: string, base: string): ApplyOutcome {
  return {
    kind: 'stale',
    message: `live-config/Dockerfile changed after this proposal was made against it (live sha256 ${liveSha256.slice(0, 12)}…, proposal's base ${base.slice(0, 12)}…)`,
    sha256Before: liveSha256,
  };
}
