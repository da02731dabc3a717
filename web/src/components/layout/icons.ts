import { NIcon } from 'naive-ui';
import { h, type VNode } from 'vue';

// Outline icons on a 24 px grid, drawn for this app (no icon package needed for eight glyphs).
const paths = {
  dashboard: ['M4 4h7v7H4z', 'M13 4h7v4h-7z', 'M13 10h7v10h-7z', 'M4 13h7v7H4z'],
  clusters: ['M12 3l8 4.5v9L12 21l-8-4.5v-9z', 'M12 12l8-4.5', 'M12 12v9', 'M12 12L4 7.5'],
  templates: ['M12 3l9 5-9 5-9-5z', 'M3 12.5l9 5 9-5', 'M3 17l9 5 9-5'],
  policies: [
    'M4 6h9',
    'M17 6h3',
    'M15 4v4',
    'M4 12h3',
    'M11 12h9',
    'M9 10v4',
    'M4 18h11',
    'M19 18h1',
    'M17 16v4',
  ],
  hibernation: ['M20 14.5A8.5 8.5 0 1 1 9.5 4a7 7 0 0 0 10.5 10.5z'],
  audit: ['M6 3h9l4 4v14H6z', 'M14 3v5h5', 'M9 12h7', 'M9 16h7'],
  cloud: ['M7 19h10.5a4 4 0 0 0 .6-7.96A6 6 0 0 0 6.4 10.2 4.5 4.5 0 0 0 7 19z'],
  admin: ['M12 3l8 3v6c0 4.6-3.4 8.4-8 9-4.6-.6-8-4.4-8-9V6z', 'M9 12l2 2 4-4'],
  // Instance categories of the template wizard.
  balance: ['M12 4v16', 'M7 20h10', 'M5 7h14', 'M5 7l-3 7a3 3 0 0 0 6 0z', 'M19 7l-3 7a3 3 0 0 0 6 0z'],
  bolt: ['M13 3L5 14h6l-1 7 8-11h-6z'],
  memory: ['M4 7h16v10H4z', 'M8 7v10', 'M12 7v10', 'M16 7v10', 'M6 17v3', 'M18 17v3'],
  gpu: ['M3 6h18v11H3z', 'M7 17v3', 'M17 17v3', 'M8 9.5a2.5 2.5 0 1 0 0 .01', 'M14 9h4', 'M14 13h4'],
  storage: [
    'M5 6c0-1.7 3.1-3 7-3s7 1.3 7 3-3.1 3-7 3-7-1.3-7-3z',
    'M5 6v12c0 1.7 3.1 3 7 3s7-1.3 7-3V6',
    'M5 12c0 1.7 3.1 3 7 3s7-1.3 7-3',
  ],
} as const;

export type IconName = keyof typeof paths;

export function iconVNode(name: IconName): VNode {
  return h(
    'svg',
    {
      viewBox: '0 0 24 24',
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': 1.7,
      'stroke-linecap': 'round',
      'stroke-linejoin': 'round',
      'aria-hidden': 'true',
    },
    paths[name].map((d) => h('path', { d })),
  );
}

/** For `n-menu` options: `icon: renderIcon('dashboard')`. */
// NIcon renders `role="img"`; the menu's link text names the item, so the icon is hidden from assistive tech
// (axe: role-img-alt).
export const renderIcon = (name: IconName) => () =>
  h(NIcon, { 'aria-hidden': 'true' }, { default: () => iconVNode(name) });
