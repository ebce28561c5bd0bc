import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { request, type Agent } from 'node:https';
import { epochMs } from './upstream.js';

/** The SSE case: this many events from the upstream's /events, this many ms apart. */
export const SSE_EVENTS = 20;
export const SSE_SPACING_MS = 50;
export const ssePath = `/events?n=${SSE_EVENTS}&ms=${SSE_SPACING_MS}`;

export interface SseTimings {
  /** ms from sending the request to the first event's arrival. */
  first: number;
  /** Per event: ms from the upstream writing it (its embedded stamp) to its arrival here. */
  transit: number[];
}

/**
 * One text/event-stream GET; each event is timed when the chunk completing it arrives, so a
 * proxy that holds events back and sends them together shows as late events, not lost ones.
 */
export async function sseStream(agent: Agent, url: URL): Promise<SseTimings> {
  const started = performance.now();
  const req = request(url, { agent, headers: { accept: 'text/event-stream' } });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  if (res.statusCode !== 200) throw new Error(`GET ${url.pathname} answered ${res.statusCode}`);
  let first = NaN;
  const transit: number[] = [];
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) {
    const arrived = epochMs();
    if (transit.length === 0) first = performance.now() - started;
    text += chunk as string;
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const data = /^data: (.*)$/m.exec(text.slice(0, end))?.[1];
      text = text.slice(end + 2);
      if (data) transit.push(arrived - (JSON.parse(data) as { t: number }).t);
    }
  }
  if (transit.length !== SSE_EVENTS) {
    throw new Error(`GET ${url.pathname} delivered ${transit.length} of ${SSE_EVENTS} events`);
  }
  return { first, transit };
}
