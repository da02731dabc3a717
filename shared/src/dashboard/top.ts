/**
 * The `k` largest items by a value, ties in the order they were offered: exactly what a stable sort by
 * value (largest first) and `slice(0, k)` give, without building or sorting every item. The fleet's
 * dashboard ranks ~10 spot workloads per cluster (5,000 at 500 clusters) to show 10 of them.
 */
export class TopList<T> {
  private readonly entries: { value: number; item: T }[] = [];

  constructor(private readonly k: number) {}

  /** Whether an item of this value would be kept now (an equal value ranks after those already in). */
  wants(value: number): boolean {
    const last = this.entries[this.entries.length - 1];
    return this.entries.length < this.k || (last !== undefined && value > last.value);
  }

  /** Keeps the item if it ranks among the `k` largest so far; `make` builds it only then. */
  offer(value: number, make: () => T): void {
    if (!this.wants(value)) return;
    let i = this.entries.length;
    while (i > 0 && (this.entries[i - 1] as { value: number }).value < value) i -= 1;
    this.entries.splice(i, 0, { value, item: make() });
    if (this.entries.length > this.k) this.entries.pop();
  }

  /** The kept items, the largest first. */
  items(): T[] {
    return this.entries.map((e) => e.item);
  }
}
