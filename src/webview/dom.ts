/**
 * Small DOM helpers. Text always goes in through textContent (never innerHTML): everything shown
 * comes from files and settings the user does not fully control (ONNX metadata, catalog text).
 */

type Child = Node | string | null | undefined | false;

export interface ElementProps {
  class?: string;
  text?: string;
  /** Set as attributes; `data-testid` included. */
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) e.setAttribute(k, v);
  if (props.text !== undefined) e.textContent = props.text;
  for (const c of children) if (c) e.append(c);
  return e;
}

/** A decorative codicon (hidden from screen readers). */
export function icon(name: string, extra = ''): HTMLElement {
  return el('i', { class: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, attrs: { 'aria-hidden': 'true' } });
}

/** The element with this id, of this type (the page skeleton comes from html.ts: a miss is a bug). */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`The export panel page has no ${type.name} #${id}`);
  return e;
}

export function show(e: HTMLElement, visible: boolean): void {
  e.hidden = !visible;
}

/** Shows `text` in a message element (hidden when empty). */
export function setMessage(e: HTMLElement, text: string | undefined): void {
  e.textContent = text ?? '';
  e.hidden = !text;
}

export function clear(e: Element): void {
  e.replaceChildren();
}

/** A button with an optional codicon, a stable id/data-testid and a click handler. */
export function button(label: string, options: { id?: string; icon?: string; kind?: 'primary' | 'secondary'; onClick: () => void }): HTMLButtonElement {
  const b = el('button', { class: options.kind ?? 'secondary', attrs: { type: 'button', ...(options.id ? { id: options.id, 'data-testid': options.id } : {}) } }, options.icon ? icon(options.icon) : null, options.icon ? ` ${label}` : label);
  b.addEventListener('click', options.onClick);
  return b;
}
