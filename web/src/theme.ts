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
  },
};
