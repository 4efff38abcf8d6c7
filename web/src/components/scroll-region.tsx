import type { ComponentChildren } from 'preact';

/** A wide table's box: it scrolls sideways on narrow screens, so it takes keyboard focus (WCAG 2.1.1). */
export function ScrollRegion(props: { label: string; class?: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must be reachable by keyboard (axe scrollable-region-focusable)
    <section class={props.class ? `table-wrap ${props.class}` : 'table-wrap'} aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}
