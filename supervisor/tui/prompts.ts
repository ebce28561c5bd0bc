import blessed from 'blessed';
import type { Widgets } from 'blessed';
import type { StyledLine } from './lines.js';
import { paintLines } from './paint.js';

/** Where the screen sends keys while a prompt or overlay is open (undefined: back to the panes). */
export type ModalKeys = (handler: ((name: string) => void) | undefined) => void;

/** A one-line text prompt (the operator's reason). Enter submits; Esc cancels (undefined). */
export function askText(
  screen: Widgets.Screen,
  setModal: ModalKeys,
  prompt: string,
): Promise<string | undefined> {
  const box = blessed.box({
    parent: screen,
    top: 'center',
    left: 'center',
    width: '80%',
    height: 5,
    border: { type: 'line' },
    label: ` ${prompt} `,
    tags: false,
    style: { border: { fg: 'yellow' } },
  });
  const input = blessed.textbox({
    parent: box,
    top: 0,
    left: 1,
    right: 1,
    height: 1,
    inputOnFocus: false,
    style: { fg: 'white', bg: 'blue' },
  });
  blessed.box({
    parent: box,
    top: 1,
    left: 1,
    height: 1,
    tags: false,
    content: 'Enter submits · Esc cancels',
    style: { fg: 'grey' },
  });
  // The textbox grabs the keyboard itself; nothing else should act meanwhile.
  setModal(() => undefined);
  input.focus();
  screen.render();
  return new Promise((resolve) => {
    input.readInput((error: unknown, value?: string | null) => {
      setModal(undefined);
      box.destroy();
      screen.render();
      resolve(error || value === null || value === undefined ? undefined : value);
    });
  });
}

/**
 * A scrollable overlay of styled lines: a pager (help, the proxy log; resolves false when
 * closed) or, with `confirm`, a yes/no question about what it shows (resolves true on y).
 */
export function showLines(
  screen: Widgets.Screen,
  setModal: ModalKeys,
  title: string,
  lines: readonly StyledLine[],
  mode: 'pager' | 'confirm',
): Promise<boolean> {
  const box = blessed.box({
    parent: screen,
    top: 'center',
    left: 'center',
    width: '90%',
    height: '80%',
    border: { type: 'line' },
    label: ` ${title} `,
    tags: false,
    scrollable: true,
    alwaysScroll: true,
    scrollbar: { ch: ' ', style: { inverse: true } },
    content: paintLines(lines),
    style: { border: { fg: mode === 'confirm' ? 'yellow' : 'cyan' } },
  });
  blessed.box({
    parent: box,
    bottom: 0,
    right: 1,
    height: 1,
    width: 'shrink',
    tags: false,
    content: mode === 'confirm' ? ' y apply · n cancel · j/k scroll ' : ' Esc closes · j/k scroll ',
    style: { fg: 'black', bg: mode === 'confirm' ? 'yellow' : 'cyan' },
  });
  box.focus();
  screen.render();
  return new Promise((resolve) => {
    const close = (answer: boolean): void => {
      setModal(undefined);
      box.destroy();
      screen.render();
      resolve(answer);
    };
    const page = (): number => Math.max(1, Number(box.height) - 2);
    setModal((name) => {
      if (name === 'up' || name === 'k') box.scroll(-1);
      else if (name === 'down' || name === 'j') box.scroll(1);
      else if (name === 'pageup') box.scroll(-page());
      else if (name === 'pagedown' || name === 'space') box.scroll(page());
      else if (mode === 'confirm' && name === 'y') return close(true);
      else if (mode === 'confirm' && (name === 'n' || name === 'escape' || name === 'q'))
        return close(false);
      else if (mode === 'pager' && ['escape', 'q', 'enter', '?', 'l'].includes(name))
        return close(false);
      screen.render();
    });
  });
}
