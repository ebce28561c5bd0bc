import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerContext } from '../context.js';
import { ResourceTemplate, type McpServer, type ReadResourceResult } from '../sdk.js';

const URI_PREFIX = 'claude-bottle://live-config/';
const MAX_RESOURCE_BYTES = 1024 * 1024;

const MIME_TYPES: Record<string, string> = {
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.json': 'application/json',
  '.md': 'text/markdown',
};

/** The stable URI of one live-config file. */
export function liveConfigUri(name: string): string {
  return `${URI_PREFIX}${encodeURIComponent(name)}`;
}

/**
 * Every regular file in live-config/, read-only, listed fresh on each request (the supervisor
 * replaces files by rename). Dot files are the atomic writer's temp files and stay hidden.
 */
export function registerLiveConfigResources(server: McpServer, ctx: ServerContext): void {
  server.registerResource(
    'live-config',
    new ResourceTemplate(`${URI_PREFIX}{name}`, {
      list: async () => ({
        resources: (await listFiles(ctx.liveConfigDir)).map((name) => ({
          uri: liveConfigUri(name),
          name,
          title: `live-config/${name}`,
          mimeType: mimeTypeOf(name),
        })),
      }),
    }),
    {
      title: 'Current bottle configuration',
      description:
        'The files this bottle runs with (routes.yaml, Dockerfile, gitleaks-allowlist, ...), also mounted at /etc/claude-bottle/current-config/. Read one, change it, and propose the whole file.',
    },
    async (uri, variables): Promise<ReadResourceResult> => {
      const raw = variables.name;
      const name = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
      const files = await listFiles(ctx.liveConfigDir);
      // Only a name the listing produced is read: nothing in a URI becomes a path by itself.
      if (!files.includes(name)) {
        throw new Error(`no live-config file "${name}"; list resources to see the files`);
      }
      const file = join(ctx.liveConfigDir, name);
      const info = await lstat(file);
      if (info.size > MAX_RESOURCE_BYTES) throw new Error(`live-config/${name} is too large`);
      return {
        contents: [
          { uri: uri.href, mimeType: mimeTypeOf(name), text: await readFile(file, 'utf8') },
        ],
      };
    },
  );
}

async function listFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) files.push(name);
  }
  return files;
}

function mimeTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? MIME_TYPES[name.slice(dot).toLowerCase()] : undefined) ?? 'text/plain';
}
