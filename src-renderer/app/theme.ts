import { createTheme, type Theme } from '@mui/material/styles';

/*
 * Every colour below is chosen against WCAG 2.1 AA (4.5:1 for text) where it is used, because
 * MUI's defaults are not: white on the default dark-theme red (#f44336, FAILED chips) is 3.7:1,
 * the default orange (#ed6c02) as text on white is 3.2:1 (Cancel during a backup), the computed
 * hover of a light-blue primary under dark text is ~4:1, and white on the default info blue is
 * 4.1:1 (RUNNING chips). Each palette colour names its `dark` (the hover of filled buttons) and
 * `contrastText` explicitly so MUI does not derive one that fails. The a11y e2e spec runs axe on
 * every screen in both themes and fails on any serious colour-contrast finding.
 */
const LIGHT = {
  primary: { main: '#1d4ed8', dark: '#1e3a8a', light: '#3b82f6', contrastText: '#ffffff' },
  secondary: { main: '#0f766e', dark: '#115e59', light: '#14b8a6', contrastText: '#ffffff' },
  error: { main: '#c62828', dark: '#8e1c1c', light: '#ef5350', contrastText: '#ffffff' },
  warning: { main: '#b45309', dark: '#92400e', light: '#f59e0b', contrastText: '#ffffff' },
  info: { main: '#0369a1', dark: '#075985', light: '#0ea5e9', contrastText: '#ffffff' },
  success: { main: '#2e7d32', dark: '#1b5e20', light: '#4caf50', contrastText: '#ffffff' },
  background: { default: '#f4f6fb', paper: '#ffffff' },
};

// Dark: light tints with near-black text on filled surfaces; as text on the dark paper they are ≥ 6:1.
const INK = '#0b1220';
const DARK = {
  primary: { main: '#60a5fa', dark: '#93c5fd', light: '#bfdbfe', contrastText: INK },
  secondary: { main: '#2dd4bf', dark: '#5eead4', light: '#99f6e4', contrastText: INK },
  error: { main: '#f87171', dark: '#fca5a5', light: '#fecaca', contrastText: INK },
  warning: { main: '#fbbf24', dark: '#fcd34d', light: '#fde68a', contrastText: INK },
  info: { main: '#38bdf8', dark: '#7dd3fc', light: '#bae6fd', contrastText: INK },
  success: { main: '#4ade80', dark: '#86efac', light: '#bbf7d0', contrastText: INK },
  background: { default: INK, paper: '#111a2e' },
};

/** Lifeboat's look: calm blue, dense tables, rounded cards, colours that pass AA in both modes. */
export function makeTheme(mode: 'light' | 'dark'): Theme {
  const palette = mode === 'dark' ? DARK : LIGHT;
  const base = createTheme({
    palette: { mode, ...palette },
    shape: { borderRadius: 10 },
    typography: { fontFamily: '"Inter", "Segoe UI", "Roboto", "Helvetica", "Arial", sans-serif', button: { textTransform: 'none', fontWeight: 600 } },
  });
  // A ring in the text colour, outside the control: visible on filled buttons (whose own colour
  // hides MUI's default ripple-only focus), on chips and on list items, in both modes.
  const ring = { outline: `2px solid ${base.palette.text.primary}`, outlineOffset: 2 };
  return createTheme(base, {
    components: {
      MuiCssBaseline: {
        styleOverrides: {
          // Native controls (date pickers, scrollbars) follow the theme: a dark calendar icon on a dark field was invisible.
          ':root': { colorScheme: mode },
          'input[type="date"]::-webkit-calendar-picker-indicator, input[type="datetime-local"]::-webkit-calendar-picker-indicator': { cursor: 'pointer' },
        },
      },
      MuiButtonBase: { defaultProps: { disableRipple: false }, styleOverrides: { root: { '&.Mui-focusVisible': ring } } },
      MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { '&.Mui-focusVisible': ring } } },
      MuiCard: { defaultProps: { variant: 'outlined' } },
      MuiLink: { styleOverrides: { root: { '&:focus-visible': ring } } },
      // A disabled field's helper text still explains the field (the profile name "cannot change"): MUI's disabled grey is 2.9:1.
      MuiFormHelperText: { styleOverrides: { root: { '&.Mui-disabled': { color: base.palette.text.secondary } } } },
    },
  });
}
