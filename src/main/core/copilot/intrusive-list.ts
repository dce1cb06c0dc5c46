/**
 * A doubly linked list whose nodes carry their own links: O(1) add and remove with no allocation
 * and no hash table. Used for per-request entries on the hot path, where a `Set` of them measurably
 * made V8 promote ~1 MB of young objects per scavenge (bench/README.md, session 2).
 */
export interface ListNode<N> {
  prev: N | null;
  next: N | null;
  /** In a list now (so remove() is idempotent). */
  linked: boolean;
}

export class IntrusiveList<N extends ListNode<N>> {
  head: N | null = null;
  size = 0;

  add(node: N): void {
    node.prev = null;
    node.next = this.head;
    if (this.head) this.head.prev = node;
    this.head = node;
    node.linked = true;
    this.size++;
  }

  remove(node: N): void {
    if (!node.linked) return;
    node.linked = false;
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    node.prev = node.next = null;
    this.size--;
  }
}
