/**
 * Building the page without markup strings: every piece of agent data (which
 * is untrusted: a description may hold `<img onerror=...>`) reaches the
 * document as a text node, never through innerHTML.
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined>;

/** An element with these attributes (true: present, false/undefined: absent) and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  append(element, ...children);
  return element;
}

function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** A table with a caption, column headers (th scope=col) and, when `rowHeader` is set, each row's first cell as its header (th scope=row). */
export function table(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[], rowHeader = true): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
    h(
      'tbody',
      {},
      ...rows.map((cells) => h('tr', {}, ...cells.map((cell, index) => (rowHeader && index === 0 ? h('th', { scope: 'row' }, cell) : h('td', {}, cell))))),
    ),
  );
}

/** A value as one line of text: strings as they are, everything else as JSON. */
export function display(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
