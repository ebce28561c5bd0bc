import blessed from 'blessed';
import type { Widgets } from 'blessed';
import { editText } from './editor.js';
import type { StyledLine } from './lines.js';
import { windowStart } from './lines.js';
import { paint, paintLines, paintRow } from './paint.js';
import { askText, showLines } from './prompts.js';
import type { Pane, SupervisorModel } from './view-model.js';

const NOTICE_STYLES = { info: 'plain', ok: 'ok', warning: 'warning', error: 'error' } as const;

/**
 * The blessed face of the supervisor: draws a SupervisorModel and hands every key to one
 * callback. All content boxes run with tags off, so nothing an agent wrote is parsed as
 * markup; colour comes from paint.ts. Layout is recomputed from the terminal size on each
 * render, so a resize redraws cleanly.
 */
export class SupervisorScreen {
  private readonly screen: Widgets.Screen;
  private readonly titleBar: Widgets.BoxElement;
  private readonly bottles: Widgets.BoxElement;
  private readonly proposals: Widgets.BoxElement;
  private readonly detail: Widgets.BoxElement;
  private readonly activity: Widgets.BoxElement;
  private readonly noticeLine: Widgets.BoxElement;
  private readonly footerLine: Widgets.BoxElement;
  private modal: ((name: string) => void) | undefined;
  private proposalTop = 0;
  private detailKey: string | undefined;
  private title = '';
  private destroyed = false;

  constructor(onKey: (name: string) => void) {
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: true,
      // Agent text and our own marks are UTF-8 either way; without this blessed swaps
      // characters like · for ACS glyphs when LANG does not say UTF-8.
      forceUnicode: true,
      autoPadding: true,
      warnings: false,
      // Ctrl-C must reach us even while a prompt holds the keyboard.
      ignoreLocked: ['C-c'],
      title: 'claude-bottle supervise',
    });
    const box = (options: Widgets.BoxOptions): Widgets.BoxElement =>
      blessed.box({ parent: this.screen, tags: false, ...options });
    const pane = (label: string, options: Widgets.BoxOptions = {}): Widgets.BoxElement =>
      box({ border: { type: 'line' }, label: ` ${label} `, wrap: false, ...options });
    this.titleBar = box({
      top: 0,
      left: 0,
      height: 1,
      style: { fg: 'white', bg: 'blue', bold: true },
    });
    this.bottles = pane('bottles');
    this.proposals = pane('proposals');
    this.detail = pane('detail', {
      wrap: true,
      scrollable: true,
      alwaysScroll: true,
      scrollbar: { ch: ' ', style: { inverse: true } },
    });
    this.activity = pane('activity');
    this.noticeLine = box({ left: 0, height: 1 });
    this.footerLine = box({ left: 0, height: 1, style: { fg: 'black', bg: 'white' } });
    this.screen.on(
      'keypress',
      (ch: string | undefined, key: Widgets.Events.IKeyEventArg | undefined) => {
        const name = key?.full ?? ch;
        if (!name) return;
        if (name === 'C-c' || !this.modal) onKey(name);
        else this.modal(name);
      },
    );
  }

  /** Calls back on every terminal resize (after blessed has the new size). */
  onResize(callback: () => void): void {
    this.screen.on('resize', callback);
  }

  render(model: SupervisorModel): void {
    if (this.destroyed) return;
    const width = Number(this.screen.width);
    const height = Number(this.screen.height);
    const bottleRows = model.bottleRows();
    const bottlesHeight = Math.min(Math.max(3, bottleRows.length + 2), 9);
    const activityHeight = height >= 30 ? 7 : 4;
    const mainTop = 1 + bottlesHeight;
    const mainHeight = Math.max(3, height - mainTop - activityHeight - 2);
    const listWidth = Math.max(30, Math.floor(width * 0.42));
    place(this.titleBar, 0, 0, width, 1);
    place(this.bottles, 1, 0, width, bottlesHeight);
    place(this.proposals, mainTop, 0, listWidth, mainHeight);
    place(this.detail, mainTop, listWidth, Math.max(10, width - listWidth), mainHeight);
    place(this.activity, mainTop + mainHeight, 0, width, activityHeight);
    place(this.noticeLine, height - 2, 0, width, 1);
    place(this.footerLine, height - 1, 0, width, 1);

    const title = model.title();
    this.titleBar.setContent(` ${title}`);
    if (title !== this.title) this.screen.title = this.title = title;
    const focus = model.focus;
    this.bottles.setContent(
      bottleRows.map((row) => paintRow(row, width - 2, focus === 'bottles')).join('\n'),
    );

    const rows = model.proposalRows();
    const inner = mainHeight - 2;
    const selected = Math.max(
      0,
      rows.findIndex((row) => row.selected),
    );
    this.proposalTop = windowStart(selected, this.proposalTop, inner, rows.length);
    const shown = rows.slice(this.proposalTop, this.proposalTop + inner);
    this.proposals.setContent(
      rows.length === 0
        ? paint({ text: 'nothing pending', style: 'dim' })
        : shown.map((row) => paintRow(row, listWidth - 2, focus !== 'bottles')).join('\n'),
    );
    this.proposals.setLabel(` proposals (${rows.length}) `);

    this.detail.setContent(paintLines(model.detailLines()));
    if (model.detailKey() !== this.detailKey) {
      this.detailKey = model.detailKey();
      this.detail.setScroll(0);
    }
    this.activity.setContent(paintLines(model.activity.slice(-(activityHeight - 2))));
    const notice = model.notice;
    this.noticeLine.setContent(
      notice ? paint({ text: ` ${notice.text}`, style: NOTICE_STYLES[notice.level] }) : '',
    );
    this.footerLine.setContent(` ${model.footer()}`);
    this.focusBorders(focus);
    this.screen.render();
  }

  bell(): void {
    this.screen.program.bell();
  }

  scrollDetail(by: 'line' | 'page', direction: 1 | -1): void {
    const page = Math.max(1, Number(this.detail.height) - 3);
    this.detail.scroll(direction * (by === 'page' ? page : 1));
    this.screen.render();
  }

  askReason(prompt: string): Promise<string | undefined> {
    return askText(this.screen, (handler) => (this.modal = handler), prompt);
  }

  /** A pager (help, the proxy log) or, with `confirm`, a yes/no about the lines shown. */
  show(title: string, lines: readonly StyledLine[], mode: 'pager' | 'confirm'): Promise<boolean> {
    return showLines(this.screen, (handler) => (this.modal = handler), title, lines, mode);
  }

  edit(text: string, fileName: string, env: NodeJS.ProcessEnv): Promise<string> {
    return editText(this.screen, text, fileName, env);
  }

  /** Gives the terminal back as it was (safe to call more than once). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.screen.destroy();
  }

  private focusBorders(focus: Pane): void {
    const panes: [Pane, Widgets.BoxElement][] = [
      ['bottles', this.bottles],
      ['proposals', this.proposals],
      ['detail', this.detail],
    ];
    for (const [name, element] of panes) {
      const style = element.style as { border?: { fg?: string } };
      style.border = { ...style.border, fg: name === focus ? 'cyan' : 'grey' };
    }
  }
}

function place(
  element: Widgets.BoxElement,
  top: number,
  left: number,
  width: number,
  height: number,
): void {
  element.top = top;
  element.left = left;
  element.width = width;
  element.height = height;
}
