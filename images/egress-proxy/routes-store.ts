import { readFile } from 'node:fs/promises';
import { BottleError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { formatYamlIssue } from '../../lib/yaml-schema.js';
import { secretValue, type SecretStore } from './dlp/own-secrets.js';
import { parseRoutes } from './routes/parse.js';
import type { RoutesInvalidEvent, RoutesLoadedEvent } from './reload-events.js';
import type { RoutesFile } from './routes/schema.js';

/**
 * The routes in force. A reload reads and validates the whole file first and swaps only on
 * success, so a request sees either the old routes or the new ones, never a mix; an invalid
 * file is logged and the old routes stay.
 */
export class RoutesStore {
  private current: RoutesFile = { routes: [] };
  sha256 = '';

  constructor(
    private readonly file: string,
    private readonly secrets: SecretStore,
    private readonly logger: Logger,
  ) {}

  get routes(): RoutesFile {
    return this.current;
  }

  /** The first load: an unreadable or invalid file stops the proxy (ROUTES_INVALID). */
  async load(): Promise<void> {
    const result = await this.read();
    if (!result.ok) {
      throw new BottleError('ROUTES_INVALID', result.error, {
        hint: 'fix routes.yaml; its format is documented in docs/egress-proxy.md',
      });
    }
    this.swap(result.routes, result.sha256);
  }

  /** SIGHUP: true when new routes took effect. */
  async reload(): Promise<boolean> {
    const result = await this.read();
    if (!result.ok) {
      const event: Omit<RoutesInvalidEvent, 'ts' | 'event'> = {
        error: result.error,
        kept_sha256: this.sha256,
      };
      this.logger.error('routes_invalid', { file: this.file, ...event });
      return false;
    }
    this.swap(result.routes, result.sha256);
    return true;
  }

  private swap(routes: RoutesFile, sha256: string): void {
    this.current = routes;
    this.sha256 = sha256;
    const event: Omit<RoutesLoadedEvent, 'ts' | 'event'> = { sha256, routes: routes.routes.length };
    this.logger.info('routes_loaded', { file: this.file, ...event });
    for (const route of routes.routes) {
      if (route.auth && secretValue(this.secrets, route.auth.secret) === undefined) {
        this.logger.warn('secret_missing', {
          host: route.host,
          secret: route.auth.secret,
          from: this.secrets.where(route.auth.secret),
        });
      }
    }
  }

  private async read(): Promise<
    { ok: true; routes: RoutesFile; sha256: string } | { ok: false; error: string }
  > {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      return { ok: false, error: `cannot read ${this.file}: ${(error as Error).message}` };
    }
    const parsed = parseRoutes(text, this.file);
    if (!parsed.ok) return { ok: false, error: parsed.issues.map(formatYamlIssue).join('\n') };
    return { ok: true, routes: parsed.routes, sha256: parsed.sha256 };
  }
}
