/**
 * The selected proposal, held by id rather than by row: a proposal that arrives above it
 * shifts the rows, never the selection, so a keypress always lands on what the operator
 * looked at. When the selected proposal leaves the list, the one that took its place (else
 * the one before it) is selected and flagged `moved`: the list chose it, not the operator.
 */
export class PinnedSelection {
  id: string | undefined;
  /** True while the list, not the operator, last chose the selection. */
  moved = false;
  private order: string[] = [];

  /**
   * The list changed to `ids` (newest first). `byTheList`: the change came from the queue,
   * not from the operator picking another bottle; `settled`: past the first load.
   */
  follow(ids: string[], byTheList: boolean, settled: boolean): void {
    if (this.id === undefined || !ids.includes(this.id)) {
      const gone = this.id === undefined ? -1 : this.order.indexOf(this.id);
      const after =
        gone >= 0 ? this.order.slice(gone + 1).find((id) => ids.includes(id)) : undefined;
      const before =
        gone >= 0
          ? this.order
              .slice(0, gone)
              .reverse()
              .find((id) => ids.includes(id))
          : undefined;
      const next = after ?? before ?? ids[0];
      this.moved = byTheList && settled && next !== undefined;
      this.id = next;
    }
    this.order = ids;
  }

  /** The operator moves `delta` rows; the ends stop it. */
  step(ids: string[], delta: number): void {
    const at = this.id === undefined ? -1 : ids.indexOf(this.id);
    const next = ids[Math.min(ids.length - 1, Math.max(0, at + delta))];
    if (next !== undefined) this.id = next;
    this.moved = false;
    this.order = ids;
  }

  /** The operator has seen where the list moved the selection. */
  acknowledge(): void {
    this.moved = false;
  }
}
