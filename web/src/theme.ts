import type { GlobalThemeOverrides } from 'naive-ui';

/** Light theme, blue primary. One place for the palette so every screen looks the same. */
export const themeOverrides: GlobalThemeOverrides = {
  common: {
    primaryColor: '#2563eb',
    primaryColorHover: '#3b82f6',
    primaryColorPressed: '#1d4ed8',
    primaryColorSuppl: '#3b82f6',
    infoColor: '#2563eb',
    infoColorHover: '#3b82f6',
    infoColorPressed: '#1d4ed8',
    infoColorSuppl: '#3b82f6',
    successColor: '#16a34a',
    warningColor: '#d97706',
    errorColor: '#dc2626',
    borderRadius: '6px',
    fontFamily:
      'Inter, "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, "Liberation Sans", sans-serif',
    bodyColor: '#f5f7fb',
  },
  Layout: {
    color: '#f5f7fb',
    headerColor: '#ffffff',
    siderColor: '#ffffff',
  },
  Card: {
    borderRadius: '10px',
  },
  Menu: {
    itemHeight: '40px',
    borderRadius: '6px',
    // Naive's light grey group titles fall short of WCAG AA contrast (4.5:1) on white.
    groupTextColor: '#475569',
  },
  Steps: {
    // Steps still to come (and done) are greyed to the disabled colour by default: below AA on white.
    headerTextColorWait: '#475569',
    headerTextColorFinish: '#334155',
    indicatorTextColorWait: '#475569',
    indicatorBorderColorWait: '#475569',
  },
  Empty: {
    // Same for the empty-state sentence (its default is the disabled text colour).
    textColor: '#475569',
  },
};
